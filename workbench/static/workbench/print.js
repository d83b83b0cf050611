// The "Print" button of a printable record (print_record.html): shown only where scripts run
// (the page's own script file: the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
