// Double keying, the third person's page: every difference needs a choice (first keying,
// second keying, or own text) before the catalogue can be accepted; typing own text picks
// "own". The server refuses an incomplete resolution too (keying.unresolved).
(function () {
  "use strict";

  function init() {
    const form = document.getElementById("resolve-form");
    if (!form) return;
    const accept = document.getElementById("resolve-accept");
    const note = document.getElementById("keying-open");
    const rows = Array.prototype.slice.call(form.querySelectorAll("tr.diff"));

    function update() {
      const open = rows.filter(function (r) { return !r.querySelector("input[type=radio]:checked"); });
      rows.forEach(function (r) { r.classList.toggle("open", open.indexOf(r) >= 0); });
      accept.disabled = open.length > 0;
      note.textContent = open.length ? (note.dataset.label || "") + " " + open.length + " / " + rows.length : "";
    }

    form.addEventListener("input", function (e) {
      const t = e.target;
      if (t instanceof HTMLInputElement && t.classList.contains("own")) {
        const radio = t.closest("td").querySelector("input[type=radio]");
        if (radio) radio.checked = true;
      }
      update();
    });
    form.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
