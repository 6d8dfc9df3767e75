// Retouch desk: the before and after viewers move together (zoom, pan, page); the forms act
// on the page shown; the page's flags are shown under the viewers.
(function () {
  "use strict";

  function init() {
    const a = document.getElementById("before"), b = document.getElementById("after");
    if (!a || !b || !a.danganViewer || !b.danganViewer) { setTimeout(init, 50); return; }
    const va = a.danganViewer, vb = b.danganViewer;
    let busy = false;
    function follow(from, to) {
      from.osd.addHandler("viewport-change", function () {
        if (busy) return;
        busy = true;
        to.osd.viewport.zoomTo(from.osd.viewport.getZoom(), null, true);
        to.osd.viewport.panTo(from.osd.viewport.getCenter(), true);
        busy = false;
      });
    }
    follow(va, vb);
    follow(vb, va);
    const flags = JSON.parse((document.getElementById("page-flags") || {}).dataset.flags || "{}");
    function shown(page) {
      document.querySelectorAll("input.page-no").forEach(function (i) { i.value = page; });
      const f = flags[page];
      const out = document.getElementById("page-flags");
      if (!out) return;
      // what needs a person apart from what the engine did (information)
      const parts = [];
      if (f && f.review && f.review.length) parts.push(out.dataset.reviewLabel + ": " + f.review.join(" · "));
      if (f && f.info && f.info.length) parts.push(out.dataset.infoLabel + ": " + f.info.join(" · "));
      out.textContent = page + ": " + (parts.length ? parts.join(" | ") : "—");
    }
    a.addEventListener("viewer:page", function (e) { vb.go(e.detail.page); shown(e.detail.page); });
    b.addEventListener("viewer:page", function (e) { va.go(e.detail.page); shown(e.detail.page); });
    shown(va.page());
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
