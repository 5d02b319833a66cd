// Suggestions for a text field marked data-suggest="URL": what the server proposes for the text
// typed fills the field's <datalist>. Without this script the field still works: the server reads
// the typed text itself.
(function () {
  "use strict";
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-suggest");
    var timer = null;
    var asked = "";
    if (!list || !url) { return; }
    input.addEventListener("input", function () {
      var text = input.value.trim();
      if (timer) { clearTimeout(timer); }
      if (text.length < 2 || /\(\d+\)$/.test(text) || text === asked) { return; }
      timer = setTimeout(function () {
        asked = text;
        fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.textContent = "";
            items.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* the typed text is read by the server anyway */ });
      }, 200);
    });
  });
})();
