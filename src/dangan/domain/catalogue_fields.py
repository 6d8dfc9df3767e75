"""Field names of volume records and catalogues, their labels (zh, en) and header variants.

The first Chinese label is what dangan writes (templates, link data); the aliases are the
headers typists and client systems actually use, matched ignoring spaces and case.
"""

from __future__ import annotations

from collections.abc import Mapping

from dangan.i18n import current_language

# 卷宗信息 (case-file cover / volume record)
RECORD_LABELS: dict[str, tuple[str, str]] = {
    "archive_code": ("档号", "Archive code"),
    "fonds_name": ("全宗名称", "Fonds name"),
    "fonds": ("全宗号", "Fonds no."),
    "category_name": ("类目名称", "Category"),
    "title": ("案卷题名", "Volume title"),
    "year": ("年度", "Year"),
    "start_date": ("起始日期", "Start date"),
    "end_date": ("终止日期", "End date"),
    "retention": ("保管期限", "Retention period"),
    "item_count": ("件数", "Items"),
    "page_count": ("页数", "Pages"),
    "security_class": ("密级", "Security class"),
    "author": ("立卷单位", "Compiled by"),
    "remarks": ("备注", "Remarks"),
}
RECORD_ALIASES: dict[str, tuple[str, ...]] = {
    "archive_code": ("档号", "案卷档号", "案卷号", "卷号", "archive code"),
    "fonds_name": ("全宗名称", "全宗名", "fonds name"),
    "fonds": ("全宗号", "fonds"),
    "category_name": ("类目名称", "类别", "类目", "category"),
    "title": ("案卷题名", "题名", "案由", "卷宗题名", "title"),
    "year": ("年度", "年份", "year"),
    "start_date": ("起始日期", "开始日期", "起日期", "start date"),
    "end_date": ("终止日期", "结束日期", "止日期", "end date"),
    "date_range": ("起止日期", "时间", "起止时间", "date range"),
    "retention": ("保管期限", "期限", "retention"),
    "item_count": ("件数", "文件数", "items"),
    "page_count": ("页数", "总页数", "张数", "pages"),
    "security_class": ("密级", "security class"),
    "author": ("立卷单位", "立卷人", "compiled by"),
    "remarks": ("备注", "附注", "remarks"),
}

# 卷内目录 (catalogue rows, one per item)
ENTRY_LABELS: dict[str, tuple[str, str]] = {
    "seq": ("顺序号", "No."),
    "archive_code": ("档号", "Archive code"),
    "doc_no": ("文号", "Document no."),
    "author": ("责任者", "Author"),
    "title": ("题名", "Title"),
    "date": ("日期", "Date"),
    "security_class": ("密级", "Security class"),
    "retention": ("保管期限", "Retention period"),
    "page_start": ("起始页号", "First page"),
    "page_end": ("终止页号", "Last page"),
    "page_count": ("页数", "Pages"),
    "remarks": ("备注", "Remarks"),
}
ENTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "volume": ("案卷档号", "卷档号", "所属案卷", "volume"),
    "seq": ("顺序号", "序号", "件号", "顺序", "no.", "seq"),
    "archive_code": ("档号", "文件档号", "archive code"),
    "doc_no": ("文号", "文件编号", "发文字号", "文件字号", "document no."),
    "author": ("责任者", "责任人", "发文机关", "author"),
    "title": ("题名", "文件题名", "标题", "文件名称", "title"),
    "date": ("日期", "形成日期", "成文日期", "文件日期", "时间", "date"),
    "security_class": ("密级", "security class"),
    "retention": ("保管期限", "retention"),
    "pages": ("页号", "页码", "页次", "起止页号", "pages"),
    "page_start": ("起始页号", "起始页", "起页", "首页号", "first page"),
    "page_end": ("终止页号", "终止页", "止页", "尾页号", "last page"),
    "page_count": ("页数", "pages count"),
    "remarks": ("备注", "附注", "remarks"),
}

# Columns that tell a catalogue sheet from a record sheet.
ENTRY_MARKERS = ("页号", "页码", "起始页号", "起始页", "顺序号", "序号", "件号")


def label(labels: Mapping[str, tuple[str, str]], name: str) -> str:
    pair = labels.get(name)
    if pair is None:
        return name
    return pair[1] if current_language() == "en" else pair[0]
