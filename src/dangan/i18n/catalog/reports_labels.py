"""Names the reports print for codes kept in the database: storage areas, kinds of stored
file and QC verdicts (a client's form shows words, never the codes)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "area.scanned": ("已扫描", "Scanned"),
    "area.retouched": ("已修图", "Retouched"),
    "area.catalogue": ("制作目录", "Catalogue"),
    "area.uploaded": ("已上传", "Uploaded"),
    "area.records": ("过程记录", "Process records"),
    "area.handover": ("移交", "Handover"),
    "file_kind.page": ("页面图像", "Page image"),
    "file_kind.page_index": ("页面索引", "Page index"),
    "file_kind.catalogue": ("目录表", "Catalogue sheet"),
    "file_kind.pdf": ("PDF", "PDF"),
    "file_kind.zip": ("ZIP 包", "ZIP"),
    "file_kind.jpg": ("JPG 图像", "JPG"),
    "file_kind.tiff": ("TIFF（每件一份）", "TIFF (one per item)"),
    "file_kind.tiff_page": ("TIFF（每页一份）", "TIFF (one per page)"),
    "reports.verdict.pass": ("合格", "Passed"),
    "reports.verdict.fail": ("不合格", "Failed"),
}
