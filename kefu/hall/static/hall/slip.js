/* Slip page: the print button (CSP script-src 'self', so no inline onclick). */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.hasAttribute && t.hasAttribute("data-print")) { window.print(); }
  });
})();
