// The month grid of hours: each cell is saved as soon as it is left, with the same rule as the
// form; the refusal (in French, from the server) is written beside the cell.
(function () {
  "use strict";
  var form = document.getElementById("grille-heures");
  if (!form) { return; }
  var url = form.getAttribute("data-cell-url");
  var csrf = form.querySelector("input[name='" + form.getAttribute("data-csrf-field") + "']");
  function show(input, text, ok) {
    var note = document.getElementById("e-" + input.name);
    if (note) { note.textContent = text; note.className = ok ? "cell-ok" : "cell-error"; }
    if (ok) { input.removeAttribute("aria-invalid"); } else { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", "e-" + input.name); }
  }
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell")) { return; }
    var body = new FormData();
    body.append(csrf.name, csrf.value);
    body.append("placement_id", input.getAttribute("data-placement"));
    body.append("mois", input.getAttribute("data-month"));
    body.append("heures", input.value);
    body.append("marche", form.querySelector("input[name=marche]").value);
    body.append("entreprise", form.querySelector("input[name=entreprise]").value);
    show(input, "enregistrement…", true);
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
      .then(function (result) {
        var data = result[1];
        if (result[0] && data.ok) {
          show(input, "enregistré", true);
          var total = form.querySelector("[data-row-total='" + input.getAttribute("data-placement") + "']");
          if (total) { total.textContent = String(data.row_total).replace(".", ","); }
          var month = form.querySelector("[data-month-total='" + input.getAttribute("data-month") + "']");
          if (month && data.month_total !== undefined) { month.textContent = String(data.month_total).replace(".", ","); }
        } else {
          show(input, data.error || data.detail || "refusé", false);
        }
      })
      .catch(function () { show(input, "non enregistré : connexion perdue, réessayez", false); });
  });
}());
