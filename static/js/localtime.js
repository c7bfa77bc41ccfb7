// Decoded: show session times in the browser's own time zone when the server does not know it.
// Fills <time data-localtime datetime="…" data-end="…" data-locale="…"> elements; hides the
// row when the browser's zone has the announced zone's offset. No data leaves the browser.
(function () {
  "use strict";

  function fill(el) {
    var start = new Date(el.getAttribute("datetime"));
    var end = new Date(el.getAttribute("data-end"));
    if (isNaN(start) || isNaN(end)) { return; }
    var row = el.closest("[data-localtime-row]");
    var announced = row ? parseInt(row.getAttribute("data-announced-offset"), 10) : NaN;
    // getTimezoneOffset() is minutes *behind* UTC, so it is the announced offset negated.
    if (row && -start.getTimezoneOffset() === announced) {
      row.hidden = true;
      return;
    }
    var locale = el.getAttribute("data-locale") || document.documentElement.lang;
    // dateStyle/timeStyle cannot be combined with timeZoneName, so the parts are named instead.
    var format = new Intl.DateTimeFormat(locale, {
      weekday: "long", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "long"
    });
    el.textContent = typeof format.formatRange === "function" ? format.formatRange(start, end) : format.format(start);
    var link = el.parentNode.querySelector(".time-change");
    if (link && link.dataset.changeLabel) { link.textContent = link.dataset.changeLabel; }
  }

  function run() {
    if (!window.Intl || !Intl.DateTimeFormat) { return; }
    document.querySelectorAll("time[data-localtime]").forEach(fill);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
