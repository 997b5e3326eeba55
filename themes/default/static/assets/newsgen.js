// Relative times ("2 giờ trước") from <time datetime data-relative>, computed in the reader's browser
// so pages stay byte-identical between builds. The absolute date stays as a tooltip.
(function () {
  "use strict";
  function relative(then, now) {
    var minutes = Math.floor((now - then) / 60000);
    if (isNaN(minutes) || minutes < 0) return null;
    if (minutes < 1) return "Vừa xong";
    if (minutes < 60) return minutes + " phút trước";
    var hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + " giờ trước";
    var days = Math.floor(hours / 24);
    if (days < 7) return days + " ngày trước";
    return null;
  }
  function update() {
    var now = Date.now();
    var times = document.querySelectorAll("time[datetime][data-relative]");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      if (!el.hasAttribute("data-absolute")) el.setAttribute("data-absolute", el.textContent);
      var text = relative(Date.parse(el.getAttribute("datetime")), now);
      el.textContent = text || el.getAttribute("data-absolute");
      if (text) el.title = el.getAttribute("data-absolute");
    }
  }
  window.newsgenRelativeTime = relative;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update);
  else update();
  setInterval(update, 60000);
})();
