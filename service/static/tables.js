// On a phone, tables are shown as cards (style.css, under 600 px) and their header row is
// hidden: each cell then says its column's name through data-label. Templates may set it
// themselves; this fills it from the header row where they did not. Without scripts, the
// cards still show every value, without the column names.
(function () {
  "use strict";
  function label(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) { return; }
    var names = [];
    for (var i = 0; i < head.cells.length; i++) {
      var span = head.cells[i].colSpan || 1;
      for (var s = 0; s < span; s++) { names.push(head.cells[i].textContent.trim()); }
    }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var col = 0;
        for (var c = 0; c < rows[r].cells.length; c++) {
          var cell = rows[r].cells[c];
          var name = names[col];
          if (name && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", name); }
          col += cell.colSpan || 1;
        }
      }
    }
  }
  function all() {
    var tables = document.querySelectorAll("main table");
    for (var t = 0; t < tables.length; t++) { label(tables[t]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
})();
