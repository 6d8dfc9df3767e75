// QC desk: mark a defect as a rectangle on the page. "M" (or the button) starts marking; a
// drag on the image draws the box; its page-pixel coordinates fill the defect form.
(function () {
  "use strict";

  function init() {
    const root = document.getElementById("viewer");
    const v = root && root.danganViewer;
    const form = document.getElementById("defect-form");
    if (!v || !form) { setTimeout(init, 50); return; }
    const toggle = document.getElementById("mark-toggle");
    const canvas = root.querySelector(".viewer-canvas");
    const field = function (id) { return document.getElementById(id); };
    let marking = false;
    let startPt = null;
    let drawn = null;

    function setMarking(on) {
      marking = on;
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      canvas.style.cursor = on ? "crosshair" : "";
      v.osd.setMouseNavEnabled(!on);
    }

    function imagePoint(e) {
      const r = canvas.getBoundingClientRect();
      return v.osd.viewport.viewerElementToImageCoordinates(
        new OpenSeadragon.Point(e.clientX - r.left, e.clientY - r.top));
    }

    function fill(a, b) {
      const s = v.scale();
      const x = Math.max(0, Math.min(a.x, b.x)), y = Math.max(0, Math.min(a.y, b.y));
      const box = [x, y, Math.abs(b.x - a.x), Math.abs(b.y - a.y)].map(function (n) { return Math.round(n * s); });
      box[2] = Math.max(1, box[2]); box[3] = Math.max(1, box[3]);
      field("box-x").value = box[0]; field("box-y").value = box[1];
      field("box-w").value = box[2]; field("box-h").value = box[3];
      return box;
    }

    canvas.addEventListener("pointerdown", function (e) {
      if (!marking) return;
      e.preventDefault(); e.stopPropagation();
      startPt = imagePoint(e);
    }, true);
    canvas.addEventListener("pointermove", function (e) {
      if (!marking || !startPt) return;
      e.preventDefault(); e.stopPropagation();
      const box = fill(startPt, imagePoint(e));
      if (drawn) v.osd.removeOverlay(drawn);
      drawn = v.drawBox(box, "mark-box new");
    }, true);
    canvas.addEventListener("pointerup", function (e) {
      if (!marking || !startPt) return;
      e.preventDefault(); e.stopPropagation();
      const box = fill(startPt, imagePoint(e));
      if (drawn) v.osd.removeOverlay(drawn);
      drawn = v.drawBox(box, "mark-box new");
      startPt = null;
      setMarking(false);
      field("defect-page").value = v.page();
      field("defect-type").focus();
    }, true);
    toggle.addEventListener("click", function () { setMarking(!marking); });
    document.addEventListener("keydown", function (e) {
      const tag = (e.target && e.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
      if (e.key === "m" || e.key === "M") { e.preventDefault(); setMarking(!marking); }
      if (e.key === "Escape" && marking) setMarking(false);
    });
    root.addEventListener("viewer:page", function (e) {
      field("defect-page").value = e.detail.page;
      drawn = null;
      ["box-x", "box-y", "box-w", "box-h"].forEach(function (id) { field(id).value = ""; });
    });
    document.querySelectorAll("[data-goto]").forEach(function (a) {
      a.addEventListener("click", function (e) { e.preventDefault(); v.go(parseInt(a.dataset.goto, 10)); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
