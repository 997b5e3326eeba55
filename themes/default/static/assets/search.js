// The /tim-kiem/ page: Pagefind's UI with Vietnamese labels; ?q= from the header box starts a search.
(function () {
  "use strict";
  var me = document.currentScript;
  var base = (me && me.getAttribute("data-pagefind")) || "/pagefind/";
  function start() {
    var box = document.getElementById("search");
    var query = new URLSearchParams(window.location.search).get("q") || "";
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: base,
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
    document.querySelector(".search-off").hidden = false;
  }
  function load() {
    var script = document.createElement("script");
    script.src = base + "pagefind-ui.js";
    script.onload = start;
    script.onerror = off;
    document.head.appendChild(script);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
