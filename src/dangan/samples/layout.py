"""The clean page: what the sheet looks like before it meets the scanner.

Content stays inside a binding margin of at least 25 mm on the left, so the binding holes
(8-15 mm from the edge) never overlap ink; this is what lets the tests say "the retouch
engine may remove holes without touching content".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from dangan.samples import text as tx
from dangan.samples.fonts import FAMILY_NAMES, char_width, get_font
from dangan.samples.seal import seal_mask, stamp

A4_MM = (210.0, 297.0)
KINDS = ("text", "table", "seal", "sparse", "cover", "photo", "blank")
RED = (200, 28, 36)


def a4_pixels(dpi: int) -> tuple[int, int]:
    """(width, height) of an A4 sheet at ``dpi``; 1654×2339 at 200 dpi."""
    return round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi)


@dataclass
class Context:
    """Everything one page's drawing needs; ``y`` is the running baseline cursor."""

    img: Image.Image
    draw: ImageDraw.ImageDraw
    rng: np.random.Generator
    dpi: int
    family: str
    left: int
    right: int
    top: int
    bottom: int
    ink: tuple[int, int, int]
    year: int
    y: int = 0

    def mm(self, v: float) -> int:
        return round(v * self.dpi / 25.4)

    def pt(self, v: float) -> int:
        return round(v * self.dpi / 72)

    def stamp(self, mask: np.ndarray, cx: int, cy: int, opacity: float) -> None:
        """Multiply a seal onto the page through a cropped NumPy copy of the region."""
        s = mask.shape[0]
        box = (
            max(0, cx - s // 2),
            max(0, cy - s // 2),
            min(self.img.width, cx - s // 2 + s),
            min(self.img.height, cy - s // 2 + s),
        )
        region = np.array(self.img.crop(box))
        stamp(region, mask, cx - box[0], cy - box[1], opacity)
        self.img.paste(Image.fromarray(region), box[:2])


def wrap(
    text: str,
    family: str,
    size: int,
    bold: bool,
    width: float,
    indent: float,
    rng: np.random.Generator,
) -> list[str]:
    """Greedy character wrap with a ragged right edge (each line stops 0-2 glyphs short)."""
    lines: list[str] = []
    cur, used = "", indent
    limit = width - rng.uniform(0, 2.2) * size
    for ch in text:
        w = char_width(family, size, bold, ch)
        if used + w > limit and cur:
            lines.append(cur)
            cur, used = "", 0.0
            limit = width - rng.uniform(0, 2.2) * size
        cur += ch
        used += w
    if cur:
        lines.append(cur)
    return lines


def _centered(
    ctx: Context,
    s: str,
    size: int,
    bold: bool = False,
    fill: tuple[int, int, int] | None = None,
    gap: float = 1.8,
) -> None:
    font = get_font(ctx.family, size, bold)
    w = font.getlength(s)
    x = (ctx.left + ctx.right) / 2 - w / 2
    ctx.draw.text((x, ctx.y), s, font=font, fill=fill or ctx.ink)
    ctx.y += int(size * gap)


def _body(ctx: Context, paras: list[str], size: int) -> None:
    font = get_font(ctx.family, size)
    spacing = ctx.rng.uniform(1.45, 1.9)
    width = ctx.right - ctx.left
    for para in paras:
        indent = 2 * size
        for i, line in enumerate(wrap(para, ctx.family, size, False, width, indent, ctx.rng)):
            if ctx.y + size > ctx.bottom:
                return
            ctx.draw.text(
                (ctx.left + (indent if i == 0 else 0), ctx.y), line, font=font, fill=ctx.ink
            )
            ctx.y += int(size * spacing)


def _red_header(ctx: Context) -> None:
    _centered(ctx, tx.org_name(ctx.rng) + "文件", ctx.pt(ctx.rng.uniform(26, 34)), True, RED, 1.6)
    _centered(ctx, tx.doc_number(ctx.rng, ctx.year), ctx.pt(14), gap=1.3)
    thick = max(2, ctx.mm(0.6))
    ctx.draw.rectangle((ctx.left, ctx.y, ctx.right, ctx.y + thick), fill=RED)
    ctx.y += ctx.mm(10)


def _signature(ctx: Context, size: int) -> tuple[int, int]:
    """Issuer and date right-aligned under the body; returns where a seal would go."""
    font = get_font(ctx.family, size)
    y = min(ctx.y + size, ctx.bottom - 3 * size)
    cx = 0
    for s in (tx.org_name(ctx.rng), tx.date_text(ctx.rng, ctx.year)):
        w = font.getlength(s)
        x = ctx.right - w - 2 * size
        ctx.draw.text((x, y), s, font=font, fill=ctx.ink)
        cx = int(x + w / 2)
        y += int(size * 1.6)
    ctx.y = y
    return cx, y - int(size * 1.6)


def _text_page(ctx: Context, with_seal: bool) -> None:
    rng = ctx.rng
    notice = bool(rng.random() < 0.35)
    if rng.random() < 0.3:
        _red_header(ctx)
    if rng.random() < 0.7:
        _centered(ctx, tx.doc_title(rng, notice), ctx.pt(rng.uniform(18, 24)), bold=True, gap=2.2)
    size = ctx.pt(rng.choice([12, 14, 15, 16]))
    n = int(rng.integers(2, 4)) if with_seal else int(rng.integers(3, 8))
    _body(ctx, tx.paragraphs(rng, ctx.year, n, notice), size)
    if with_seal:
        cx, cy = _signature(ctx, size)
        mask = seal_mask(ctx.dpi, rng, tx.seal_text(rng), ctx.family)
        ctx.stamp(mask, cx + int(rng.integers(-size, size)), cy, float(rng.uniform(0.7, 0.92)))


def _table(ctx: Context, header: tuple[str, ...], rows: list[list[str]], size: int) -> None:
    font = get_font(ctx.family, size)
    weights = np.array(
        [max(2.0, max(len(h), *(len(r[i]) for r in rows))) for i, h in enumerate(header)]
    )
    widths = weights / weights.sum() * (ctx.right - ctx.left)
    xs = np.concatenate([[ctx.left], ctx.left + np.cumsum(widths)]).astype(int)
    row_h = int(size * rng_row(ctx))
    line = max(1, ctx.mm(0.3))
    y0 = ctx.y
    for r, cells in enumerate([list(header), *rows]):
        y = y0 + r * row_h
        if y + row_h > ctx.bottom:
            break
        for i, cell in enumerate(cells):
            cell_w = xs[i + 1] - xs[i]
            while cell and font.getlength(cell) > cell_w - size * 0.4:
                cell = cell[:-1]
            ctx.draw.text(
                (xs[i] + size * 0.25, y + (row_h - size) / 2 - size * 0.1),
                cell,
                font=font,
                fill=ctx.ink,
            )
        ctx.y = y + row_h
    for x in xs:
        ctx.draw.line((x, y0, x, ctx.y), fill=ctx.ink, width=line)
    for y in range(y0, ctx.y + 1, row_h):
        ctx.draw.line((ctx.left, y, ctx.right, y), fill=ctx.ink, width=line)
    ctx.y += row_h


def rng_row(ctx: Context) -> float:
    return float(ctx.rng.uniform(1.8, 2.4))


def _table_page(ctx: Context) -> None:
    rng = ctx.rng
    header = tx.TABLE_HEADERS[int(rng.integers(len(tx.TABLE_HEADERS)))]
    title = "卷内目录" if header[1] == "文号" else tx.doc_title(rng, False) + "附表"
    _centered(ctx, title, ctx.pt(20), bold=True, gap=2.2)
    size = ctx.pt(rng.choice([10.5, 12]))
    _table(ctx, header, tx.table_rows(rng, header, ctx.year, int(rng.integers(6, 22))), size)
    if rng.random() < 0.5:
        ctx.y += size
        _body(ctx, tx.paragraphs(rng, ctx.year, 1), size)


def _cover_page(ctx: Context, fields: list[tuple[str, str]]) -> None:
    rng = ctx.rng
    ctx.y = ctx.top + ctx.mm(15)
    _centered(ctx, tx.org_name(rng)[:2] + "市人民法院", ctx.pt(22), bold=True, gap=1.8)
    _centered(ctx, "诉 讼 档 案", ctx.pt(rng.uniform(36, 44)), bold=True, gap=2.2)
    ctx.y += ctx.mm(15)
    size = ctx.pt(14)
    font = get_font(ctx.family, size)
    row_h = int(size * 2.6)
    split = ctx.left + ctx.mm(38)
    line = max(1, ctx.mm(0.4))
    y0 = ctx.y
    for label, value in fields:
        ty = ctx.y + (row_h - size) / 2
        ctx.draw.text((ctx.left + size * 0.5, ty), label, font=font, fill=ctx.ink)
        ctx.draw.text((split + size * 0.5, ty), value, font=font, fill=ctx.ink)
        ctx.y += row_h
    ctx.draw.rectangle((ctx.left, y0, ctx.right, ctx.y), outline=ctx.ink, width=line)
    ctx.draw.line((split, y0, split, ctx.y), fill=ctx.ink, width=line)
    for i in range(1, len(fields)):
        ctx.draw.line(
            (ctx.left, y0 + i * row_h, ctx.right, y0 + i * row_h), fill=ctx.ink, width=line
        )


def _photo_page(ctx: Context) -> None:
    rng = ctx.rng
    w = int(min(ctx.right - ctx.left, ctx.mm(rng.uniform(90, 150))))
    h = int(w * rng.uniform(0.6, 0.8))
    x0 = ctx.left + int(rng.integers(0, max(1, ctx.right - ctx.left - w)))
    y0 = ctx.top + ctx.mm(rng.uniform(5, 40))
    c0 = rng.uniform(40, 200, size=3)
    c1 = rng.uniform(40, 200, size=3)
    t = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    grad = c0 * (1 - t) + c1 * t
    blobs = cv2.resize(
        rng.uniform(-50, 50, size=(5, 7)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
    )
    grain = rng.normal(0, 8, size=(h, w)).astype(np.float32)
    photo = np.clip(grad + (blobs + grain)[:, :, None], 5, 215).astype(np.uint8)
    ctx.img.paste(Image.fromarray(photo), (x0, y0))
    ctx.y = y0 + h + ctx.mm(6)
    size = ctx.pt(12)
    _body(
        ctx,
        [
            f"照片说明：{tx.date_text(rng, ctx.year)}，{tx.person(rng)}摄于{tx.PLACES[int(rng.integers(len(tx.PLACES)))]}。"
        ],
        size,
    )


def _sparse_page(ctx: Context) -> None:
    rng = ctx.rng
    if rng.random() < 0.5:
        _body(
            ctx,
            [tx.fill(tx.JUDGMENT[int(rng.integers(len(tx.JUDGMENT)))], rng, ctx.year)[:30]],
            ctx.pt(14),
        )
    else:
        mask = seal_mask(ctx.dpi, rng, tx.seal_text(rng), ctx.family)
        cx = int(rng.integers(ctx.left + mask.shape[0] // 2, ctx.right - mask.shape[0] // 2))
        cy = int(rng.integers(ctx.top + mask.shape[0], ctx.bottom - mask.shape[0]))
        ctx.stamp(mask, cx, cy, float(rng.uniform(0.7, 0.92)))


def draw_clean_page(
    kind: str,
    dpi: int,
    rng: np.random.Generator,
    *,
    sheet_no: int | None,
    archive_code: str,
    year: int,
    pages: int,
    cover: Sequence[tuple[str, str]] | None = None,
) -> np.ndarray:
    """Render the undegraded sheet as an H×W×3 uint8 array of white paper with ink."""
    w, h = a4_pixels(dpi)
    if kind == "blank":
        return np.full((h, w, 3), 255, dtype=np.uint8)
    mm = dpi / 25.4
    family = FAMILY_NAMES[int(rng.integers(len(FAMILY_NAMES)))]
    grey = int(rng.integers(10, 60))
    img = Image.new("RGB", (w, h), (255, 255, 255))
    ink = (grey, grey, grey + int(rng.integers(0, 12)))
    top = int(rng.uniform(25, 37) * mm)
    ctx = Context(
        img,
        ImageDraw.Draw(img),
        rng,
        dpi,
        family,
        left=int(rng.uniform(26, 34) * mm),
        right=w - int(rng.uniform(20, 28) * mm),
        top=top,
        bottom=h - int(rng.uniform(25, 35) * mm),
        ink=ink,
        year=year,
        y=top,
    )
    if kind in ("text", "seal"):
        _text_page(ctx, with_seal=kind == "seal")
    elif kind == "table":
        _table_page(ctx)
    elif kind == "cover":
        fields = list(cover) if cover else tx.cover_fields(rng, archive_code, year, pages)
        _cover_page(ctx, fields)
    elif kind == "photo":
        _photo_page(ctx)
    elif kind == "sparse":
        _sparse_page(ctx)
    if sheet_no is not None and kind != "cover":
        font = get_font(family, int(13 / 72 * dpi))
        s = str(sheet_no)
        ctx.draw.text(
            (w - int(14 * mm) - font.getlength(s), int(9 * mm)), s, font=font, fill=ctx.ink
        )
    return np.asarray(img).copy()
