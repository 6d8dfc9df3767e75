"""A sheet being drawn: one coverage layer per ink (print, pen, seal, carbon…), pasted glyphs,
pen strokes, rules, seals and photos, composed multiplicatively onto the paper at the end.

Inks are kept apart because they behave apart: the seal's red lies over the print, a carbon
copy is blurred as a whole, the pen's blue-black differs from the type's black. Composition
multiplies transmittances, so a seal over a character darkens it as real ink does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from dangan.pagegen import fonts

INKS: dict[str, tuple[int, int, int]] = {
    "print": (24, 22, 26),
    "grey": (95, 95, 100),  # faint print: a form's ruling, a letterhead's rules
    "pen": (28, 38, 105),  # blue-black fountain pen
    "ball": (35, 55, 150),  # ball-point blue
    "pencil": (85, 85, 90),
    "red": (205, 35, 40),  # red letterhead and column rules
    "seal": (200, 28, 45),
    "carbon": (70, 55, 140),  # carbon-paper violet
    "back": (60, 58, 62),  # the other side of thin paper, seen through it
}
CONTENT_ALPHA = 90  # coverage above which a pixel counts as content


@dataclass(frozen=True)
class Line:
    """One line (or column) of writing on the clean sheet, continuous pixel box."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    vertical: bool = False
    hand: bool = False
    chars: int = 0


@dataclass
class Canvas:
    width: int
    height: int
    dpi: int
    layers: dict[str, np.ndarray] = field(default_factory=dict)
    boxes: dict[str, list[int]] = field(default_factory=dict)  # dirty box per layer
    photos: list[tuple[int, int, np.ndarray]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    def mm(self, v: float) -> int:
        return round(v * self.dpi / 25.4)

    def layer(self, ink: str) -> np.ndarray:
        if ink not in self.layers:
            self.layers[ink] = np.zeros((self.height, self.width), np.uint8)
            self.boxes[ink] = [self.width, self.height, 0, 0]
        return self.layers[ink]

    def _touch(self, ink: str, x0: int, y0: int, x1: int, y1: int) -> None:
        b = self.boxes[ink]
        b[0], b[1] = max(0, min(b[0], x0)), max(0, min(b[1], y0))
        b[2], b[3] = min(self.width, max(b[2], x1)), min(self.height, max(b[3], y1))

    def paste(self, ink: str, mask: np.ndarray, x: int, y: int) -> None:
        """Add a coverage mask with its top-left corner at (x, y), clipped to the sheet."""
        lay = self.layer(ink)
        h, w = mask.shape
        x0, y0, x1, y1 = max(0, x), max(0, y), min(self.width, x + w), min(self.height, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        region = lay[y0:y1, x0:x1]
        np.maximum(region, mask[y0 - y:y1 - y, x0 - x:x1 - x], out=region)
        self._touch(ink, x0, y0, x1, y1)

    # --- type ---------------------------------------------------------------------------
    def text(self, s: str, face: fonts.Face, size: int, x: int, y: int, ink: str = "print",
             pitch: float = 1.0, record: bool = True) -> tuple[int, int]:
        """Set ``s`` horizontally from (x, y) = top-left of the first em box; returns the end
        x and the number of characters set."""
        cx = float(x)
        for ch in s:
            g = fonts.ascii_glyph(face, size, ch) if ch.isascii() else fonts.glyph(face, size, ch)
            self.paste(ink, g, round(cx), y)
            cx += g.shape[1] * pitch
        if record and s.strip():
            self.lines.append(Line((x, y, cx, y + size), chars=len(s)))
        return round(cx), len(s)

    def column(self, s: str, face: fonts.Face, size: int, x: int, y: int, ink: str = "print",
               pitch: float = 1.1) -> int:
        """Set ``s`` vertically (竖排), top to bottom from (x, y); returns the end y."""
        cy = float(y)
        for ch in s:
            g = fonts.glyph(face, size, ch)
            if ch in "，。、；：":  # punctuation moves from bottom-left to top-right in 竖排
                d = size // 2
                moved = np.zeros_like(g)
                moved[:size - d, d:] = g[d:, :size - d]
                g = moved
            self.paste(ink, g, x, round(cy))
            cy += size * pitch
        if s.strip():
            self.lines.append(Line((x, y, x + size, cy), vertical=True, chars=len(s)))
        return round(cy)

    # --- rules and boxes -----------------------------------------------------------------
    def rule(self, x0: int, y0: int, x1: int, y1: int, thick: int = 2, ink: str = "print"
             ) -> None:
        lay = self.layer(ink)
        cv2.line(lay, (x0, y0), (x1, y1), 255, max(1, thick), cv2.LINE_AA)
        t = thick + 1
        self._touch(ink, min(x0, x1) - t, min(y0, y1) - t, max(x0, x1) + t, max(y0, y1) + t)

    def grid(self, xs: list[int], ys: list[int], thick: int = 2, ink: str = "print") -> None:
        for x in xs:
            self.rule(x, ys[0], x, ys[-1], thick, ink)
        for y in ys:
            self.rule(xs[0], y, xs[-1], y, thick, ink)

    # --- pen -----------------------------------------------------------------------------
    def strokes(self, polylines: list[np.ndarray], thick: int, ink: str) -> None:
        """Draw pen strokes given in sheet pixels (float), anti-aliased, 1/16 px precise."""
        if not polylines:
            return
        lay = self.layer(ink)
        pts = [np.round(p * 16).astype(np.int32).reshape(-1, 1, 2) for p in polylines]
        cv2.polylines(lay, pts, False, 255, max(1, thick), cv2.LINE_AA, shift=4)
        allp = np.vstack([p.reshape(-1, 2) for p in polylines])
        self._touch(ink, int(allp[:, 0].min()) - thick - 1, int(allp[:, 1].min()) - thick - 1,
                    int(allp[:, 0].max()) + thick + 2, int(allp[:, 1].max()) + thick + 2)

    def photo(self, x: int, y: int, patch: np.ndarray) -> None:
        self.photos.append((x, y, patch))

    # --- composition ---------------------------------------------------------------------
    def compose(self, paper: np.ndarray, blur: dict[str, float] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """Paper (H×W×3 uint8) with every ink on it → (RGB uint8, content mask).

        Each ink multiplies the paper's transmittance by ``1 - coverage · (1 - colour)``,
        channel by channel, inside the box that ink touched."""
        out = paper.copy()
        content = np.zeros((self.height, self.width), bool)
        for x, y, patch in self.photos:
            h, w = patch.shape[:2]
            out[y:y + h, x:x + w] = patch
            content[y:y + h, x:x + w] = True
        for ink, lay in self.layers.items():
            x0, y0, x1, y1 = self.boxes[ink]
            if x1 <= x0 or y1 <= y0:
                continue
            sub = lay[y0:y1, x0:x1]
            sigma = (blur or {}).get(ink, 0.0)
            if sigma > 0:
                r = max(1, round(sigma * 1.5))
                sub = cv2.stackBlur(sub, (2 * r + 1, 2 * r + 1))
            colour = INKS.get(ink, INKS["print"])
            region = out[y0:y1, x0:x1]
            chans = list(cv2.split(region))
            for i, c in enumerate(colour):
                t = cv2.convertScaleAbs(sub, alpha=-(255 - c) / 255.0, beta=255)  # transmittance
                chans[i] = cv2.multiply(chans[i], t, scale=1 / 255.0)
            region[...] = cv2.merge(chans)
            if ink != "back":
                content[y0:y1, x0:x1] |= sub > CONTENT_ALPHA
        return out, content
