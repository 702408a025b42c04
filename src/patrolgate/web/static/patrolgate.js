// Every page: a table wider than its column scrolls inside its own box, and that box can be
// reached and scrolled from the keyboard (a focusable, labelled region). Without JavaScript
// the stylesheet lets the table itself scroll.
(function () {
  "use strict";
  function label(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var node = table.previousElementSibling;
    while (node && !/^H[1-6]$/.test(node.tagName)) { node = node.previousElementSibling; }
    if (!node && table.parentElement) {
      var heading = table.parentElement.querySelector("h1, h2, h3, h4");
      if (heading) { node = heading; }
    }
    return node ? node.textContent.trim() : "Table";
  }
  Array.prototype.forEach.call(document.querySelectorAll("main table:not(.reflow)"), function (table) {
    var parent = table.parentElement;
    if (parent && parent.classList.contains("table-scroll")) { return; }
    var box = document.createElement("div");
    box.className = "table-scroll";
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", label(table) + " (table; scrolls sideways on a narrow screen)");
    parent.insertBefore(box, table);
    box.appendChild(table);
  });
})();
