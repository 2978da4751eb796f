// The main menu's parts are <details> elements: they work without this file. It only keeps one part open at a
// time, and closes it on Escape (focus back on its summary) or on a click elsewhere on the page.
(function () {
  "use strict";
  const parts = Array.from(document.querySelectorAll(".main-nav details"));
  parts.forEach(function (part) {
    part.addEventListener("toggle", function () {
      if (part.open) parts.forEach(function (other) { if (other !== part) other.open = false; });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    parts.forEach(function (part) {
      if (part.open) { part.open = false; part.querySelector("summary").focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    parts.forEach(function (part) { if (part.open && !part.contains(event.target)) part.open = false; });
  });
})();
