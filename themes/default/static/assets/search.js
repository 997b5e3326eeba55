// The /tim-kiem/ page: Pagefind's UI with Vietnamese labels; ?q= from the header box starts a search.
// The index is cut into shards by period (shards.json lists them, newest first); the UI searches
// the first and merges the others, so a reader gets one list of results. The preview answers 503
// while it makes its first index: the page says so and asks again.
(function () {
  "use strict";
  var me = document.currentScript;
  var base = (me && me.getAttribute("data-pagefind")) || "/pagefind/";
  function start(shards) {
    var box = document.getElementById("search");
    var query = new URLSearchParams(window.location.search).get("q") || "";
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: base + shards[0],
      mergeIndex: shards.slice(1).map(function (shard) { return { bundlePath: base + shard }; }),
      showSubResults: true,
      showImages: false,
      resetStyles: false,
      translations: {
        placeholder: "Nhập từ khóa, có dấu hoặc không dấu",
        clear_search: "Xóa",
        load_more: "Xem thêm kết quả",
        search_label: "Tìm kiếm trên trang",
        filters_label: "Lọc",
        zero_results: "Không tìm thấy kết quả cho [SEARCH_TERM]",
        many_results: "[COUNT] kết quả cho [SEARCH_TERM]",
        one_result: "[COUNT] kết quả cho [SEARCH_TERM]",
        alt_search: "Không có kết quả cho [SEARCH_TERM]. Kết quả cho [DIFFERENT_TERM]",
        search_suggestion: "Không có kết quả cho [SEARCH_TERM]. Hãy thử:",
        searching: "Đang tìm [SEARCH_TERM]..."
      }
    });
    box.setAttribute("data-status", "ready");
    var header = document.getElementById("site-search");
    if (header) header.value = query;
    if (query) ui.triggerSearch(query);
  }
  function off() {
    document.getElementById("search").setAttribute("data-status", "off");
    show(".search-off", true);
  }
  function empty() {
    var box = document.getElementById("search");
    box.setAttribute("data-status", "empty");
    var note = document.createElement("p");
    note.textContent = "Chưa có bài viết nào để tìm.";
    box.appendChild(note);
  }
  function show(selector, shown) {
    var note = document.querySelector(selector); // a theme's own search page may lack it
    if (note) note.hidden = !shown;
  }
  function indexing() {
    // the preview's first index is on its way (503): say so, and ask again in a few seconds
    document.getElementById("search").setAttribute("data-status", "indexing");
    show(".search-indexing", true);
    setTimeout(load, 3000);
  }
  function load() {
    fetch(base + "shards.json")
      .then(function (response) {
        if (response.status === 503) return null;
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (list) {
        if (list === null) return indexing();
        show(".search-indexing", false);
        var shards = list.shards || [];
        if (!shards.length) return empty();
        var script = document.createElement("script");
        script.src = base + "pagefind-ui.js";
        script.onload = function () { start(shards); };
        script.onerror = off;
        document.head.appendChild(script);
      })
      .catch(off);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
