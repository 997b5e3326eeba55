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
  // Today's date line in the header ("Thứ năm, 27/11/2026") in the site's time zone, from the
  // reader's clock: a date printed at build time would go stale and change every page every day.
  var WEEKDAYS = { Mon: "Thứ hai", Tue: "Thứ ba", Wed: "Thứ tư", Thu: "Thứ năm", Fri: "Thứ sáu", Sat: "Thứ bảy", Sun: "Chủ nhật" };
  function today() {
    var el = document.querySelector("time[data-today]");
    if (!el || !window.Intl) return;
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: el.getAttribute("data-tz") || undefined, weekday: "short", year: "numeric", month: "numeric", day: "numeric" })
        .formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    } catch (e) { return; }
    var pad = function (n) { return (n.length < 2 ? "0" : "") + n; };
    el.setAttribute("datetime", parts.year + "-" + pad(parts.month) + "-" + pad(parts.day));
    el.textContent = WEEKDAYS[parts.weekday] + ", " + parts.day + "/" + parts.month + "/" + parts.year;
  }
  window.newsgenRelativeTime = relative;
  window.newsgenToday = today;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", today);
  else today();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update);
  else update();
  setInterval(update, 60000);
})();
