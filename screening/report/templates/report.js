(function () {
  "use strict";
  var body = document.body, bar = document.getElementById("filterbar");
  var current = null;
  function apply(src) {
    current = src;
    var needle = " " + src + " ";
    body.classList.toggle("filtering", src !== null);
    document.querySelectorAll(".fulltext mark").forEach(function (m) {
      m.classList.toggle("off", src !== null && m.getAttribute("data-s").indexOf(needle) < 0);
    });
    document.querySelectorAll(".fulltext a.lbl").forEach(function (a) {
      a.classList.toggle("off", src !== null && a.getAttribute("data-s") !== src);
    });
    document.querySelectorAll(".sbs-group").forEach(function (g) {
      g.classList.toggle("off", src !== null && g.getAttribute("data-s") !== src);
    });
    document.querySelectorAll("tr.src").forEach(function (r) {
      var on = r.getAttribute("data-s") === src;
      r.classList.toggle("on", src !== null && on);
      r.classList.toggle("off", src !== null && !on);
    });
    if (src !== null) {
      var row = document.querySelector('tr.src[data-s="' + src + '"]');
      document.getElementById("filter-name").textContent =
        src + ". " + (row ? row.getAttribute("data-title") : "");
    }
  }
  document.querySelectorAll("button.flt").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var src = b.getAttribute("data-s");
      apply(current === src ? null : src);
    });
  });
  document.getElementById("filter-clear").addEventListener("click", function () { apply(null); });
  if (bar) { bar.hidden = false; }
})();
