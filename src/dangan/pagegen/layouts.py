"""What is printed and written on a sheet, per kind of archive page.

Every layout draws on a ``Canvas`` in sheet pixels, leaving a binding margin (left on portrait
sheets, top on landscape ones) free for the holes. Forms take two generators: one for the
printed form and one for what was filled in, so two filled copies of one form share the first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dangan.pagegen import corpus as C
from dangan.pagegen import fonts
from dangan.pagegen.ink import Canvas
from dangan.pagegen.marks import hand_column, hand_line, photo_patch, seal, signature

Rng = np.random.Generator


def _face(rng: Rng, styles: tuple[str, ...] = fonts.BODY_STYLES) -> fonts.Face:
    return fonts.pick_face(styles[int(rng.integers(len(styles)))], rng)


def _frame(cv: Canvas, landscape: bool) -> tuple[int, int, int, int]:
    """Writing area x0, y0, x1, y1: binding margin 25–32 mm, other margins 15–25 mm."""
    if landscape:
        return cv.mm(18), cv.mm(30), cv.width - cv.mm(18), cv.height - cv.mm(16)
    return cv.mm(30), cv.mm(22), cv.width - cv.mm(18), cv.height - cv.mm(20)


def centred(cv: Canvas, s: str, face: fonts.Face, size: int, y: int, x0: int, x1: int,
            ink: str = "print", spacing: float = 1.0) -> None:
    w = int(len(s) * size * spacing)
    cv.text(s, face, size, (x0 + x1 - w) // 2, y, ink, pitch=spacing)


def flow(cv: Canvas, text: str, face: fonts.Face, size: int, x0: int, x1: int, y: int,
         y_max: int, leading: float, ink: str = "print", indent: int = 2) -> int:
    """Set running text in lines between x0 and x1 from y; returns the next free y."""
    per_line = max(1, (x1 - x0) // size)
    first = True
    while text and y + size <= y_max:
        ind = indent if first else 0
        n = per_line - ind
        if text[n:n + 1] in ("，", "。", "；", "、", "：") and text[n:n + 1]:
            n += 1  # no punctuation at the start of a line: it hangs in the margin
        cv.text(text[:n], face, size, x0 + ind * size, y, ink)
        text, first, y = text[n:], False, y + int(size * leading)
    return y


def _closing(cv: Canvas, rng: Rng, y: int, x1: int, size: int, ink: str, seal_p: float) -> int:
    face = _face(rng)
    org, day = C.unit(rng), C.date(rng)
    w = max(len(org), len(day)) * size
    x = x1 - w - cv.mm(8)
    cv.text(org, face, size, x, y, ink)
    cv.text(day, face, size, x, y + int(size * 1.7), ink)
    if rng.random() < seal_p:
        r = cv.mm(rng.uniform(19, 22))
        seal(cv, x + w // 2 + int(rng.normal(0, size)), y + size, r, org[:8] or "档案室",
             rng, fonts.pick_face("song", rng))
    if rng.random() < 0.35:
        signature(cv, x - cv.mm(45), y, cv.mm(35), cv.mm(12), rng)
    return y + int(size * 3.5)


def letter(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    x0, y0, x1, y1 = _frame(cv, False)
    y = y0
    if rng.random() < 0.4 and ink == "print":  # red letterhead (not on carbon copies)
        head = C.unit(rng) + "文件"
        centred(cv, head, fonts.pick_face("song_bold", rng), cv.mm(11), y, x0, x1, "red", 1.1)
        y += cv.mm(17)
        cv.rule(x0, y, x1, y, max(2, cv.mm(0.6)), "red")
        y += cv.mm(8)
    centred(cv, C.pick(rng, C.TITLES), _face(rng, ("song_bold", "hei_bold")),
            cv.mm(rng.uniform(6, 8)), y, x0, x1, ink)
    y += cv.mm(16)
    face, size = _face(rng), cv.mm(rng.uniform(3.8, 5.0))
    y_end = int(y0 + (y1 - y0) * rng.uniform(0.55, 0.8))
    while y < y_end - size:
        y = flow(cv, C.paragraph(rng, int(rng.integers(40, 160))), face, size, x0, x1, y, y_end,
                 rng.uniform(1.5, 2.0), ink) + size // 2
    _closing(cv, rng, y + cv.mm(6), x1, size, ink, 0.7)


def vertical(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    """竖排: columns right to left; a letter paper's red column rules, typed or handwritten."""
    x0, y0, x1, y1 = _frame(cv, False)
    size = cv.mm(rng.uniform(4.5, 6.5))
    pitch = int(size * rng.uniform(1.6, 2.0))
    ruled = rng.random() < 0.45
    hand = rng.random() < 0.3
    face = _face(rng, ("song", "kai", "fang"))
    title = C.pick(rng, C.TITLES)
    x = x1 - size
    top, bottom = y0 + cv.mm(12), y1 - cv.mm(10)
    if ruled:
        cv.rule(x0 - pitch // 3, top - cv.mm(3), x1 + pitch // 3, top - cv.mm(3), 2, "red")
        cv.rule(x0 - pitch // 3, bottom + cv.mm(3), x1 + pitch // 3, bottom + cv.mm(3), 2, "red")
    cv.column(title, _face(rng, ("song_bold", "hei_bold")), int(size * 1.3), x - size // 4, top)
    x -= int(pitch * 1.5)
    text = C.paragraph(rng, 2000)
    per_col = max(4, int((bottom - top) / (size * 1.1)))
    ncols = int(((x - x0) // pitch) * rng.uniform(0.6, 1.0))
    for i in range(ncols):
        if ruled:
            cv.rule(x + size + (pitch - size) // 2, top - cv.mm(3), x + size + (pitch - size) // 2,
                    bottom + cv.mm(3), 1, "red")
        if hand:
            hand_column(cv, x, top, bottom - top, size, fill)
        else:
            n = per_col if i < ncols - 1 else int(per_col * rng.uniform(0.3, 0.9))
            cv.column(text[:n], face, size, x, top, ink)
            text = text[n:]
        x -= pitch
    if x > x0 + pitch:  # the date column at the end (left)
        cv.column(C.date(rng), face, size, x, top + (bottom - top) // 2, ink)
        if rng.random() < 0.4:
            seal(cv, x + size // 2, top + int((bottom - top) * 0.7), cv.mm(19), C.unit(rng),
                 rng, fonts.pick_face("song", rng))


def form(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    """A printed registration form (``rng``) filled in by hand (``fill``)."""
    x0, y0, x1, y1 = _frame(cv, False)
    centred(cv, C.pick(rng, C.TITLES[6:]), _face(rng, ("song_bold", "hei_bold")), cv.mm(7),
            y0, x0, x1, ink)
    label_face, lsize = _face(rng, ("song", "hei")), cv.mm(rng.uniform(3.5, 4.2))
    pen_face = fonts.pick_face("kai", fill)
    pen = "ball" if fill.random() < 0.5 else "pen"
    rows = int(rng.integers(7, 13))
    top = y0 + cv.mm(14)
    row_h = min(cv.mm(rng.uniform(11, 15)), (y1 - top - cv.mm(50)) // rows)
    ys = [top + i * row_h for i in range(rows + 1)]
    cols = 4 if rng.random() < 0.6 else 2
    xs = [x0 + int((x1 - x0) * f) for f in np.linspace(0, 1, cols + 1)]
    thick = max(1, cv.mm(rng.uniform(0.15, 0.35)))
    labels = list(rng.permutation(len(C.FORM_LABELS)))
    photo = cols == 4 and rng.random() < 0.35
    for r in range(rows):
        for c in range(0, cols, 2):
            lab = C.FORM_LABELS[int(labels[(r * cols + c) % len(labels)])][:5]
            cv.text(lab, label_face, lsize, xs[c] + cv.mm(2), ys[r] + (row_h - lsize) // 2, ink)
            if photo and r < 4 and c == cols - 2:
                continue
            vx, vw = xs[c + 1] + cv.mm(2), xs[c + 2] - xs[c + 1] - cv.mm(4)
            if fill.random() < 0.15:
                continue  # left empty
            vy = ys[r] + (row_h - lsize) // 2
            if fill.random() < 0.6:
                hand_line(cv, vx, vy, int(vw * fill.uniform(0.3, 0.95)), lsize, fill, pen)
            else:
                s = C.name(fill) if fill.random() < 0.5 else C.pick(fill, C.PHRASES)
                cv.text(s[: max(1, vw // lsize)], pen_face, lsize, vx, vy, pen)
    cv.grid(xs, ys, thick, ink)
    if photo:
        px0, py0 = xs[-2], ys[0]
        cv.rule(px0, ys[0], px0, ys[4], thick, ink)
        pw, ph = xs[-1] - px0 - cv.mm(6), ys[4] - py0 - cv.mm(6)
        if fill.random() < 0.8:
            cv.photo(px0 + cv.mm(3), py0 + cv.mm(3), photo_patch(pw, ph, fill))
    y = ys[-1] + cv.mm(8)
    cv.text("审批意见：", label_face, lsize, x0, y, ink)
    hand_line(cv, x0 + 6 * lsize, y, int((x1 - x0) * fill.uniform(0.3, 0.6)), lsize, fill, pen)
    _closing(cv, fill, y + cv.mm(12), x1, lsize, pen, 0.6)


def table(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print", landscape: bool = False) -> None:
    x0, y0, x1, y1 = _frame(cv, landscape)
    centred(cv, C.pick(rng, ("工资发放表", "物资登记表", "收支明细表", "案件登记簿",
                             "职工花名册", "经费预算表")),
            _face(rng, ("song_bold", "hei_bold")), cv.mm(7), y0, x0, x1, ink)
    face, size = _face(rng, ("song", "hei", "fang")), cv.mm(rng.uniform(3.0, 3.8))
    cols = int(rng.integers(7, 12)) if landscape else int(rng.integers(4, 7))
    rows = int(rng.integers(10, 18 if landscape else 28))
    top = y0 + cv.mm(14)
    row_h = min(int(size * rng.uniform(1.8, 2.4)), (y1 - top - cv.mm(15)) // rows)
    widths = rng.uniform(0.7, 1.6, cols)
    xs = [x0 + int(v) for v in np.concatenate([[0], np.cumsum(widths)]) / widths.sum()
          * (x1 - x0)]
    ys = [top + i * row_h for i in range(rows + 1)]
    heads = [C.FORM_LABELS[int(i)][:4] for i in rng.permutation(len(C.FORM_LABELS))[:cols]]
    hface = _face(rng, ("hei", "hei_bold", "song_bold"))
    hand = rng.random() < 0.3
    for c in range(cols):
        cw = xs[c + 1] - xs[c]
        cv.text(heads[c][: max(1, cw // size)], hface, size, xs[c] + cv.mm(1.5),
                ys[0] + (row_h - size) // 2, ink)
        for r in range(1, rows):
            if rng.random() < 0.12:
                continue
            y = ys[r] + (row_h - size) // 2
            if hand and c > 0:
                hand_line(cv, xs[c] + cv.mm(1.5), y, int(cw * 0.7), size, fill)
                continue
            s = str(r) if c == 0 else (C.amount(rng) if rng.random() < 0.5 else
                                       C.name(rng) if rng.random() < 0.5 else
                                       C.pick(rng, C.PHRASES))
            cv.text(s[: max(1, (cw - cv.mm(3)) * 2 // size)] if s.isascii()
                    else s[: max(1, (cw - cv.mm(3)) // size)], face, size,
                    xs[c] + cv.mm(1.5), y, ink)
    cv.grid(xs, ys, max(1, cv.mm(rng.uniform(0.12, 0.3))), ink)
    if ys[-1] + cv.mm(25) < y1 and rng.random() < 0.6:
        _closing(cv, rng, ys[-1] + cv.mm(8), x1, size, ink, 0.5)


def handwritten(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    """Ruled note paper written by hand (minutes, a statement, a letter)."""
    x0, y0, x1, y1 = _frame(cv, False)
    pitch = cv.mm(rng.uniform(8, 11))
    rule_ink = "red" if rng.random() < 0.3 else "grey"
    y = y0 + cv.mm(10)
    while y < y1:
        cv.rule(x0 - cv.mm(6), y, x1 + cv.mm(4), y, 1, rule_ink)
        y += pitch
    pen = "pen" if fill.random() < 0.6 else "ball"
    size = int(pitch * fill.uniform(0.55, 0.7))
    y = y0 + cv.mm(10) - size - cv.mm(1)
    n = int((y1 - y) / pitch * fill.uniform(0.5, 0.95))
    hand_line(cv, x0 + (x1 - x0) // 3, y, (x1 - x0) // 3, size, fill, pen)
    for i in range(1, n):
        indent = 2 * size if fill.random() < 0.15 else 0
        w = int((x1 - x0 - indent) * (fill.uniform(0.3, 0.9) if fill.random() < 0.2 else 0.97))
        hand_line(cv, x0 + indent, y + i * pitch, w, size, fill, pen)
    signature(cv, x1 - cv.mm(60), y + n * pitch, cv.mm(40), cv.mm(12), fill, pen)


def carbon(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    """A carbon copy: the whole page in carbon violet (blurred when composed)."""
    (form if rng.random() < 0.4 else letter)(cv, rng, fill, "carbon")
    for lay in ("pen", "ball"):  # what was written through the carbon is carbon too
        if lay in cv.layers:
            src = cv.layers.pop(lay)
            box = cv.boxes.pop(lay)
            cv.layer("carbon")
            np.maximum(cv.layers["carbon"], src, out=cv.layers["carbon"])
            cv._touch("carbon", *box)


def photo(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    x0, y0, x1, y1 = _frame(cv, False)
    centred(cv, C.pick(rng, ("照片档案", "现场照片", "证据照片", "活动照片")),
            _face(rng, ("song_bold", "hei_bold")), cv.mm(7), y0, x0, x1, ink)
    y = y0 + cv.mm(16)
    face, size = _face(rng), cv.mm(4)
    for _ in range(int(rng.integers(1, 3))):
        w = int((x1 - x0) * rng.uniform(0.5, 0.85))
        h = int(w * rng.uniform(0.6, 0.8))
        if y + h + cv.mm(30) > y1:
            break
        x = x0 + (x1 - x0 - w) // 2
        cv.photo(x, y, photo_patch(w, h, rng))
        y += h + cv.mm(4)
        y = flow(cv, C.sentence(rng) + C.sentence(rng), face, size, x0, x1, y, y1, 1.6, ink, 0)
        y += cv.mm(8)


def landscape(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    table(cv, rng, fill, ink, landscape=True)


def sparse(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    """A receipt, an IOU, a short note: a title and a few lines on an empty sheet."""
    x0, y0, x1, y1 = _frame(cv, False)
    y = y0 + int((y1 - y0) * rng.uniform(0.0, 0.3))
    by_hand = rng.random() < 0.5
    size = cv.mm(rng.uniform(4.5, 6))
    face = _face(rng)
    title = C.pick(rng, ("收据", "借条", "证明", "便函", "收条"))
    if by_hand:
        hand_line(cv, (x0 + x1) // 2 - size, y, 2 * size, int(size * 1.3), fill)
    else:
        centred(cv, title, face, int(size * 1.4), y, x0, x1, ink, 1.5)
    y += int(size * 2.5)
    for _ in range(int(rng.integers(2, 5))):
        if by_hand:
            hand_line(cv, x0, y, int((x1 - x0) * rng.uniform(0.5, 0.95)), size, fill)
        else:
            cv.text(C.sentence(rng)[: (x1 - x0) // size], face, size, x0, y, ink)
        y += int(size * 2)
    _closing(cv, rng, y + cv.mm(5), x1, size, "pen" if by_hand else ink, 0.5)


def chart(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    """A statistical report page: bar chart with a legend of small filled squares (hole-sized
    dark marks that are not holes), a caption and some text."""
    x0, y0, x1, y1 = _frame(cv, False)
    centred(cv, C.pick(rng, ("年度统计报表", "生产情况统计", "收支对比图", "人员结构分析")),
            _face(rng, ("song_bold", "hei_bold")), cv.mm(7), y0, x0, x1, ink)
    face, size = _face(rng, ("song", "hei")), cv.mm(3.6)
    cx0, cy0 = x0 + cv.mm(12), y0 + cv.mm(20)
    cx1, cy1 = x1 - cv.mm(5), cy0 + int((y1 - y0) * rng.uniform(0.35, 0.5))
    cv.rule(cx0, cy0, cx0, cy1, 2, ink)
    cv.rule(cx0, cy1, cx1, cy1, 2, ink)
    series = int(rng.integers(2, 4))
    inks = ("print", "grey", "red")[:series]
    levels = (255, 200, 170)
    groups = int(rng.integers(4, 9))
    gw = (cx1 - cx0) // groups
    bw = int(gw * 0.7 / series)
    for g in range(groups):
        for k in range(series):
            h = int((cy1 - cy0) * rng.uniform(0.1, 0.9))
            bx = cx0 + g * gw + int(gw * 0.15) + k * bw
            cv.paste(inks[k], np.full((h, bw - 2), levels[k], np.uint8), bx, cy1 - h)
        cv.text(str(1990 + g), face, size, cx0 + g * gw + gw // 4, cy1 + cv.mm(2), ink,
                record=False)
    side = cv.mm(rng.uniform(4.5, 6.5))  # legend squares: about a binding hole's size
    lx = x0 + cv.mm(rng.uniform(0, 4)) if rng.random() < 0.5 else cx1 - cv.mm(45)
    ly = cy1 + cv.mm(12)
    for k in range(series):
        cv.paste(inks[k], np.full((side, side), levels[k], np.uint8), lx, ly + k * int(side * 1.6))
        cv.text(C.pick(rng, ("计划数", "实际数", "去年同期", "收入", "支出")), face, size,
                lx + side + cv.mm(2), ly + k * int(side * 1.6) + (side - size) // 2, ink)
    y = ly + series * int(side * 1.6) + cv.mm(8)
    flow(cv, C.paragraph(rng, int(rng.integers(80, 300))), face, size, x0, x1, y, y1,
         1.8, ink)


def blank(cv: Canvas, rng: Rng, fill: Rng, ink: str = "print") -> None:
    """Nothing written (the back of a sheet, an empty page)."""


Layout = Callable[[Canvas, Rng, Rng, str], None]
LAYOUTS: dict[str, Layout] = {
    "letter": letter, "vertical": vertical, "form": form, "table": table,
    "handwritten": handwritten, "carbon": carbon, "photo": photo, "landscape": landscape,
    "sparse": sparse, "chart": chart, "blank": blank,
}
# Kinds drawn when none is asked for, with their weights (blank only on request; charts
# replace 6 % of the drawn pages, by a stream of their own so other pages stay as they were).
KIND_WEIGHTS: dict[str, float] = {
    "letter": 0.18, "vertical": 0.14, "form": 0.14, "table": 0.12, "handwritten": 0.1,
    "carbon": 0.08, "photo": 0.07, "landscape": 0.1, "sparse": 0.07,
}
KINDS = tuple(LAYOUTS)
