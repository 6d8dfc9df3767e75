// The page viewer: OpenSeadragon in sequence mode over the cached previews of one volume.
// Zoom and position are kept while paging (preserveViewport), rotation too; keyboard paging;
// the thumbnail strip is plain lazy <img>. Each .viewer element gets `el.danganViewer`:
//   { osd, page(), go(pageNo), toPagePixels(imageRect), fromPagePixels(box) }
// and fires a "viewer:page" event (detail: {page}) after a page opened.
(function () {
  "use strict";

  function typing(target) {
    const tag = (target && target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function setup(root) {
    if (root.danganViewer) return root.danganViewer;
    const volume = root.dataset.volume;
    const version = root.dataset.version || "current";
    const pages = JSON.parse(root.dataset.pages || "[]");
    const widths = JSON.parse(root.dataset.sizes || "[]");
    if (!pages.length) return null;
    const canvas = root.querySelector(".viewer-canvas");
    let index = Math.max(0, pages.indexOf(parseInt(root.dataset.start || "1", 10)));
    let rotation = 0;
    const osd = OpenSeadragon({
      element: canvas,
      tileSources: pages.map(function (no) {
        return { type: "image", url: "/pages/" + volume + "/" + no + "/preview.jpg?v=" + version };
      }),
      sequenceMode: true,
      preserveViewport: true,
      initialPage: index,
      showNavigationControl: false,
      showSequenceControl: false,
      showReferenceStrip: false,
      keyboardNavEnabled: false,
      crossOriginPolicy: false,
      loadTilesWithAjax: false,
      gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
      imageLoaderLimit: 2,
    });
    const label = root.querySelector(".viewer-page");
    const thumbs = root.querySelectorAll("a.thumb");

    function shown() {
      if (label) label.textContent = pages[index] + " / " + pages[pages.length - 1];
      thumbs.forEach(function (a) {
        a.classList.toggle("current", parseInt(a.dataset.page, 10) === pages[index]);
      });
      const cur = root.querySelector("a.thumb.current");
      if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest", inline: "nearest" });
    }

    function go(pageNo) {
      const i = pages.indexOf(pageNo);
      if (i < 0 || i === index) return;
      index = i;
      osd.goToPage(i);
      shown();
    }

    // the scale between the preview's pixels and the page's (boxes are stored in page pixels)
    function scale() {
      const item = osd.world.getItemAt(0);
      const w = widths[index];
      if (!item || !w) return 1;
      return w / item.source.dimensions.x;
    }

    const boxes = JSON.parse(root.dataset.boxes || "[]");

    // a box in page pixels [x, y, w, h] drawn as an overlay that follows zoom and pan
    function drawBox(box, cls) {
      const s = scale();
      const el = document.createElement("div");
      el.className = cls || "mark-box";
      el.style.border = "2px solid #e00";
      el.style.background = "rgba(255,0,0,0.12)";
      el.style.pointerEvents = "none";
      const rect = osd.viewport.imageToViewportRectangle(box[0] / s, box[1] / s, box[2] / s, box[3] / s);
      osd.addOverlay({ element: el, location: rect });
      return el;
    }

    osd.addHandler("open", function () {
      osd.viewport.setRotation(rotation, true);
      osd.clearOverlays();
      boxes.forEach(function (b) { if (b.page === pages[index] && b.box) drawBox(b.box, "mark-box saved"); });
      root.dispatchEvent(new CustomEvent("viewer:page", { detail: { page: pages[index] } }));
    });

    const actions = {
      prev: function () { if (index > 0) go(pages[index - 1]); },
      next: function () { if (index < pages.length - 1) go(pages[index + 1]); },
      "zoom-in": function () { osd.viewport.zoomBy(1.4); },
      "zoom-out": function () { osd.viewport.zoomBy(1 / 1.4); },
      home: function () { osd.viewport.goHome(); },
      rotate: function () { rotation = (rotation + 90) % 360; osd.viewport.setRotation(rotation); },
      full: function () { osd.setFullScreen(!osd.isFullPage()); },
    };
    root.querySelectorAll("[data-act]").forEach(function (b) {
      b.addEventListener("click", function () { actions[b.dataset.act](); });
    });
    thumbs.forEach(function (a) {
      a.addEventListener("click", function (e) {
        if (root.dataset.pick === "1") return; // a desk uses the strip to pick pages
        e.preventDefault();
        go(parseInt(a.dataset.page, 10));
      });
    });
    const api = {
      osd: osd, go: go, actions: actions, scale: scale, drawBox: drawBox, root: root,
      page: function () { return pages[index]; },
      pages: pages,
    };
    root.danganViewer = api;
    shown();
    return api;
  }

  function keys(e) {
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    const root = document.querySelector(".viewer[data-keys='1']") || document.querySelector(".viewer");
    const v = root && root.danganViewer;
    if (!v) return;
    const map = {
      PageDown: "next", ArrowRight: "next", PageUp: "prev", ArrowLeft: "prev",
      "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", "0": "home",
      r: "rotate", R: "rotate", f: "full", F: "full",
    };
    const act = map[e.key];
    if (!act) return;
    e.preventDefault();
    document.querySelectorAll(".viewer").forEach(function (el) {
      if (el.danganViewer && (el === root || el.dataset.sync === "1")) el.danganViewer.actions[act]();
    });
  }

  function start() {
    if (typeof OpenSeadragon === "undefined") { setTimeout(start, 30); return; }
    document.querySelectorAll(".viewer").forEach(setup);
    document.dispatchEvent(new CustomEvent("viewer:ready"));
  }

  if (!window.danganViewerKeys) {
    window.danganViewerKeys = true;
    document.addEventListener("keydown", keys);
  }
  window.danganViewerSetup = setup;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
