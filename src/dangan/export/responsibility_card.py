"""责任跟踪卡: one card per work batch — batch no., first/last archive code, volume count, a
signature line per stage (filled in when signed), and a QR code of the batch id."""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from dangan.domain.records import WorkBatchInfo
from dangan.export.borrow_register import cid_font, fmt_time
from dangan.i18n import t

PAGE_SIZES = {"A5": A5, "A4": A4}


def qr_payload(info: WorkBatchInfo, project: str) -> str:
    return f"dangan:{project}:work_batch:{info.id}:{info.code}"


def write_responsibility_card(info: WorkBatchInfo, stages: list[str], path: Path,
                              project: str = "", size: str = "A5") -> Path:
    """Draw the card; ``stages`` are the work stages of the project's line, in order."""
    font = cid_font()
    width, height = PAGE_SIZES[size.upper()]
    scale = width / A5[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    c = Canvas(str(path), pagesize=(width, height),  # no Helvetica: the initial font is ours
               initialFontName=font)  # type: ignore[arg-type]  # stubs say float
    c.setTitle(f"{t('workflow.form.card_title')} {info.code}")
    margin = 12 * mm * scale
    y = height - margin
    c.setFont(font, 18 * scale)
    c.drawCentredString(width / 2, y - 14 * scale, t("workflow.form.card_title"))
    qr = qrcode.make(qr_payload(info, project))
    buf = io.BytesIO()
    qr.save(buf)
    buf.seek(0)
    side = 28 * mm * scale
    c.drawImage(ImageReader(buf), width - margin - side, y - side, side, side)
    y -= 30 * scale
    c.setFont(font, 10.5 * scale)
    lines = [
        f"{t('workflow.form.project')}：{project}",
        f"{t('workflow.form.work_batch')}：{info.code}    {t('workflow.form.borrow_batch')}：{info.borrow_no}",
        f"{t('workflow.form.first_code')}：{info.first_code}",
        f"{t('workflow.form.last_code')}：{info.last_code}",
        f"{t('workflow.form.volume_count')}：{info.volume_count}    "
        f"{t('workflow.form.planned_pages')}：{info.planned_pages}",
    ]
    for line in lines:
        y -= 16 * scale
        c.drawString(margin, y, line)
    y -= 14 * scale
    signed = {}
    for sig in info.signatures:
        signed[sig.stage] = sig  # the last sign-off of a stage is the one that counts
    col = [margin, margin + 30 * mm * scale, margin + 70 * mm * scale, width - margin]
    row_h = 11 * mm * scale
    c.setStrokeColor(colors.black)
    header = [t("workflow.form.stage"), t("workflow.form.signature"), t("workflow.form.time")]
    rows = [header] + [[t(f"stage.{s}"), signed[s].person if s in signed else "",
                        fmt_time(signed[s].at) if s in signed else ""] for s in stages]
    for i, row in enumerate(rows):
        top = y - i * row_h
        c.rect(col[0], top - row_h, col[-1] - col[0], row_h)
        for j, text in enumerate(row):
            c.drawString(col[j] + 2 * mm * scale, top - row_h + 3.5 * mm * scale, text)
        for x in col[1:-1]:
            c.line(x, top, x, top - row_h)
    c.showPage()
    c.save()
    return path
