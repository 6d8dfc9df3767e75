"""借卷详情登记表: the borrow register of one borrow batch, as .xlsx and as PDF.

Also holds the small table-form writers the return list shares (same columns, same look).
Chinese in PDFs uses reportlab's built-in CID font STSong-Light (no font file needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer, Table, TableStyle

from dangan.domain.borrow_notes import later_notes
from dangan.domain.records import BorrowBatchInfo
from dangan.export.pdf_text import para
from dangan.export.workbook_save import print_setup, save_workbook
from dangan.i18n import t

FONT = "STSong-Light"
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # embedded when installed


def cid_font() -> str:
    """WenQuanYi Zen Hei when installed (it has “·” of DA/T 13 codes), else the built-in
    CID font STSong-Light, which needs no file."""
    if "WQYZenHei" in pdfmetrics.getRegisteredFontNames():
        return "WQYZenHei"
    if WQY.is_file():
        try:
            pdfmetrics.registerFont(TTFont("WQYZenHei", str(WQY), subfontIndex=0))
            return "WQYZenHei"
        except Exception:  # a broken font file: fall back to the built-in font
            pass
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def register_columns() -> list[str]:
    return [t("workflow.form.seq"), t("workflow.form.archive_code"), t("workflow.form.title"),
            t("workflow.form.location"), t("workflow.form.pages"),
            t("workflow.form.condition"), t("workflow.form.returned")]


def register_rows(info: BorrowBatchInfo) -> list[list[str]]:
    return [[str(r.seq), r.archive_code, r.title, r.location,
             "" if r.pages is None else str(r.pages), r.condition,
             fmt_time(r.returned_at)] for r in info.rows]


def later_note_lines(info: BorrowBatchInfo) -> list[str]:
    """Per row, the notes made after both sides signed (后补记录): time, person, text."""
    return ["\n".join(t("borrow.later_note", at=fmt_time(n.at), person=n.person, text=n.text)
                      for n in later_notes(r)) for r in info.rows]


def header_lines(info: BorrowBatchInfo, project: str) -> list[str]:
    return [
        f"{t('workflow.form.project')}：{project}    {t('workflow.form.borrow_batch')}：{info.no}    "
        + t("workflow.form.count", count=info.volume_count),
        f"{t('workflow.form.borrowed_at')}：{fmt_time(info.borrowed_at)}    "
        f"{t('workflow.form.due_at')}：{fmt_time(info.due_at)}",
    ]


def signature_lines(info: BorrowBatchInfo, returning: bool) -> list[str]:
    if returning:
        return [f"{t('workflow.form.clerk')}：{info.return_clerk or '________'}    "
                f"{t('workflow.form.time')}：{fmt_time(info.returned_at) or '________'}",
                f"{t('workflow.form.archive_staff')}：{info.return_archive_staff or '________'}    "
                f"{t('workflow.form.time')}：{fmt_time(info.return_confirmed_at) or '________'}",
                f"{t('workflow.form.shelving_rule')}：{info.shelving_rule or '________'}"]
    remarks = [t("borrow.remarks_line", label=t("borrow.confirm_remarks"),
                 text=info.confirm_remarks)] if info.confirm_remarks else []
    return [f"{t('workflow.form.clerk')}：{info.clerk or '________'}    "
            f"{t('workflow.form.time')}：{fmt_time(info.borrowed_at) or '________'}",
            f"{t('workflow.form.archive_staff')}：{info.archive_staff or '________'}    "
            f"{t('workflow.form.time')}：{fmt_time(info.archive_confirmed_at) or '________'}",
            *remarks]


def write_table_xlsx(path: Path, title: str, header: Sequence[str], columns: Sequence[str],
                     rows: Sequence[Sequence[str]], footer: Sequence[str],
                     widths: Sequence[int] = (6, 22, 30, 18, 8, 24, 18)) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append([title])
    ws["A1"].font = Font(size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws["A1"].alignment = Alignment(horizontal="center")
    for line in header:
        ws.append([line])
    ws.append(list(columns))
    thin = Side(style="thin")
    head_row = ws.max_row
    for cell in ws[head_row]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for r in ws.iter_rows(min_row=head_row, max_row=ws.max_row, max_col=len(columns)):
        for cell in r:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for line in footer:
        ws.append([])
        ws.append([line])
    for i, w in enumerate(widths[:len(columns)], start=1):
        ws.column_dimensions[chr(64 + i)].width = w
    print_setup(ws, f"{head_row}:{head_row}")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path


def write_table_pdf(path: Path, title: str, header: Sequence[str], columns: Sequence[str],
                    rows: Sequence[Sequence[str]], footer: Sequence[str],
                    widths: Sequence[int] = (12, 45, 60, 40, 14, 48, 30)) -> Path:
    font = cid_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    head = ParagraphStyle("head", fontName=font, fontSize=16, leading=22, alignment=1)
    story: list[Flowable] = [para(title, head), Spacer(1, 4 * mm)]
    story += [para(line, body) for line in header]
    story.append(Spacer(1, 3 * mm))
    data = [list(columns)] + [[para(c, body) for c in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths[:len(columns)]], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story += [table, Spacer(1, 8 * mm)]
    story += [para(line, body) for line in footer]
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=12 * mm,
                            rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=title, initialFontName=font)  # no unembedded Helvetica
    doc.build(story)
    return path


def write_borrow_register(info: BorrowBatchInfo, path: Path, project: str = "") -> Path:
    """The register as .xlsx or .pdf (by the file suffix). 借出时情况 is what both sides
    signed at borrowing; problems noted after signing are in the last column (后补记录),
    each with its time and the person who noted it."""
    title = f"{t('borrow.register_title')}（{t('workflow.form.borrow_batch')} {info.no}）"
    return write_register_form(info, path, project, title, returning=False)


def write_register_form(info: BorrowBatchInfo, path: Path, project: str, title: str, *,
                        returning: bool) -> Path:
    """The register's table (with its 后补记录 column) under ``title``, signed for the
    borrowing or the return: .xlsx or .pdf by the file suffix."""
    columns = [*register_columns(), t("borrow.later_notes_column")]
    rows = [[*row, later] for row, later in zip(register_rows(info), later_note_lines(info),
                                                strict=True)]
    if path.suffix.lower() == ".pdf":
        return write_table_pdf(path, title, header_lines(info, project), columns, rows,
                               signature_lines(info, returning=returning),
                               widths=(10, 40, 48, 32, 12, 40, 26, 56))
    return write_table_xlsx(path, title, header_lines(info, project), columns, rows,
                            signature_lines(info, returning=returning),
                            widths=(6, 22, 30, 18, 8, 24, 18, 36))
