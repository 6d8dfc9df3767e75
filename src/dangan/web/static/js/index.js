// Indexing desk, keyboard first: Enter moves to the next field (past the last field of the
// last row a new row is added); Alt+N (or Ctrl+Enter) adds a row; Alt+S saves; a click on a thumbnail sets
// the page range of the row being typed (first click: from, second: to). Live validation is
// the form's htmx trigger.
(function () {
  "use strict";

  function init() {
    const form = document.getElementById("index-form");
    if (!form) return;
    const body = document.querySelector("#entries tbody");
    let current = body.querySelector("tr.entry");
    let pickNext = "page_start";

    function cells() { return Array.prototype.slice.call(form.querySelectorAll("input.cell")); }

    function addRow(focus) {
      const last = body.querySelector("tr.entry:last-child");
      const row = last.cloneNode(true);
      row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      const seq = row.querySelector("input[data-field=seq]");
      const prevSeq = last.querySelector("input[data-field=seq]");
      if (seq && prevSeq && /^\d+$/.test(prevSeq.value)) seq.value = String(parseInt(prevSeq.value, 10) + 1);
      const prevEnd = last.querySelector("input[data-field=page_end]");
      const start = row.querySelector("input[data-field=page_start]");
      if (start && prevEnd && /^\d+$/.test(prevEnd.value)) start.value = String(parseInt(prevEnd.value, 10) + 1);
      body.appendChild(row);
      current = row;
      pickNext = start && start.value ? "page_end" : "page_start";
      if (focus) {
        const first = Array.prototype.find.call(row.querySelectorAll("input"), function (i) { return !i.value; });
        const target = first || row.querySelector("input");
        target.focus();
        target.select();
      }
      return row;
    }

    form.addEventListener("keydown", function (e) {
      const target = e.target;
      if (!(target instanceof HTMLInputElement) || !target.classList.contains("cell")) return;
      if ((e.key === "n" || e.key === "N") && e.altKey || (e.key === "Enter" && e.ctrlKey)) {
        e.preventDefault();
        addRow(true);
        return;
      }
      if ((e.key === "s" || e.key === "S") && e.altKey) {
        e.preventDefault();
        const save = document.getElementById("index-save");
        if (save) form.requestSubmit(save); // none once both keyings are in
        return;
      }
      if (e.key !== "Enter") return;
      e.preventDefault();
      const all = cells();
      const i = all.indexOf(target);
      if (i === all.length - 1) {
        addRow(true);
      } else {
        all[i + 1].focus();
        all[i + 1].select(); // typing replaces a prefilled value, as in a spreadsheet
      }
    });
    form.addEventListener("focusin", function (e) {
      const row = e.target.closest && e.target.closest("tr.entry");
      if (row && row !== current) { current = row; pickNext = "page_start"; }
    });
    document.getElementById("add-row").addEventListener("click", function () { addRow(true); });
    document.querySelectorAll("a.thumb").forEach(function (a) {
      a.addEventListener("click", function () {
        if (!current) return;
        const input = current.querySelector("input[data-field=" + pickNext + "]");
        if (!input) return;
        input.value = a.dataset.page;
        if (pickNext === "page_start") {
          pickNext = "page_end";
        } else {
          pickNext = "page_start";
          const title = current.querySelector("input[data-field=title]");
          if (title && !title.value) title.focus();
        }
        if (window.htmx) window.htmx.trigger(form, "check");
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
