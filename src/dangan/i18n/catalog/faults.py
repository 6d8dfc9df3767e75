"""Messages of hostile or careless input: look-alike characters, oversized or out-of-range
spreadsheet values."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- look-alike characters in names ---
    "naming.lookalike": ("第 {pos} 个字符 “{char}”（{code}，{kind}）形似 “{like}”，但不是它；请改用半角字符",
                         "character {pos} “{char}” ({code}, {kind}) looks like “{like}” but is not; use the plain (half-width) character"),
    "naming.invisible": ("第 {pos} 个字符是不可见字符（{code}），请删除",
                         "character {pos} is an invisible character ({code}); remove it"),
    "naming.kind.digit": ("非 ASCII 数字", "a digit that is not ASCII"),
    "naming.kind.fullwidth": ("全角字符", "a full-width character"),
    "naming.kind.dash": ("类似连字符的符号", "a dash-like sign"),
    "naming.kind.space": ("特殊空格", "a special space"),
    # --- spreadsheets: bounded and located ---
    "sheets.too_many_rows": ("{path} 的行数超过上限 {limit}，已拒绝；请拆分为多个文件",
                             "{path} has more than {limit} rows and is refused; split it into several files"),
    "sheets.too_many_columns": ("{path} 有一行超过 {limit} 列，已拒绝",
                                "{path} has a row with more than {limit} columns and is refused"),
    "sheets.file_too_large": ("{path} 太大（{size} 字节，上限 {limit}），已拒绝",
                              "{path} is too large ({size} bytes, limit {limit}) and is refused"),
    "sheets.bad_cells": ("{path} 中有 {count} 个单元格无法接受", "{path} has {count} unacceptable cells"),
    "sheets.sheets_skipped": ("已跳过的工作表（无 档号 列）：{sheets}",
                              "Sheets skipped (no archive code column): {sheets}"),
    "sheets.hidden_sheets_skipped": ("已跳过隐藏的工作表（未读取）：{sheets}",
                                     "Hidden sheets skipped (not read): {sheets}"),
    "sheets.all_hidden": ("{path} 中的工作表都是隐藏的（{sheets}），未读取任何数据；请取消隐藏要导入的工作表",
                          "Every sheet of {path} is hidden ({sheets}); nothing read. Unhide the sheet to import"),
    "sheets.two_row_header": ("第 {row} 行为表头第二行，已与上一行合并为列名",
                              "Row {row} is the header's second row; combined with the row above"),
    "sheets.second_header_row": ("{path} 第 {row} 行似为表头第二行（合并单元格的子标题），无法识别为数据；"
                                 "请将两行表头合并为一行",
                                 "Row {row} of {path} looks like the header's second row (sub-labels "
                                 "under merged cells), not data; merge the two header rows into one"),
    "sheets.hidden_columns": ("隐藏的列（仍已读取）：{columns}", "Hidden columns (read all the same): {columns}"),
    "sheets.columns_not_imported": ("未导入的列：{columns}", "Columns not imported: {columns}"),
    "sheets.cell_problem": ("第 {row} 行“{column}”列：{detail}", "row {row}, column “{column}”: {detail}"),
    "sheets.too_long": ("内容过长（{found} 个字符，最多 {length}）",
                        "too long ({found} characters, at most {length})"),
    "sheets.control_char": ("含有控制字符 {code}", "contains the control character {code}"),
    "sheets.formula_without_value": (
        "{path} 中有 {count} 个公式单元格没有保存计算结果，读不出其内容（请在 Excel 中打开后保存，或把公式粘贴为数值）",
        "{path} has {count} formula cell(s) without a saved result, so their content cannot be read "
        "(open and save the file in Excel, or paste the formulas as values)"),
    "sheets.formula_cell": ("工作表“{sheet}”第 {row} 行第 {column} 列：公式 {formula}",
                            "sheet “{sheet}”, row {row}, column {column}: formula {formula}"),
    "sheets.out_of_range": ("数值 {found} 超出范围（{low} 至 {high}）",
                            "the number {found} is out of range ({low} to {high})"),
    "error.more_details": ("……另有 {count} 条未列出", "… and {count} more not listed"),
    # --- interrupted runs ---
    "faults.ingest_unfinished": ("卷 {volume} 的入库未完成（跟踪表或扫描文件夹回执未写入）；请重新运行 dangan ingest 补全",
                                 "the ingest of volume {volume} is unfinished (tracking sheet or scan-folder receipt not written); run dangan ingest again to complete it"),
    "handover.busy": ("另一个移交正在写入 {path}，请稍后再试", "another handover is writing {path}; try again later"),
    "faults.package_unpublished": ("{path} 已登记但打包中断、尚未就位（新文件在旁等待）；请重新运行 dangan package 补全",
                                   "{path} is recorded but packaging stopped before it was put in place (the new file waits beside it); run dangan package again to complete it"),
    # --- retouch SRC DST: what cannot be a page is refused before anything is opened ---
    "retouch.unsafe_source": ("{path} 中有 {count} 个文件不能作为页面读取，已拒绝，未做任何处理",
                              "{count} file(s) under {path} cannot be read as pages; refused, nothing done"),
    "retouch.unsafe_file": ("{path}：{reason}", "{path}: {reason}"),
    "retouch.reason.link_out": ("符号链接指向源目录之外", "symbolic link leads outside the source folder"),
    "retouch.reason.special": ("不是普通文件（管道、设备或套接字）", "not a regular file (a pipe, device or socket)"),
    "handover.already": ("{path} 已是同一交付内容的移交包（{volumes} 卷，{files} 个文件），未重复生成",
                         "{path} is already the handover bag of this very delivery ({volumes} volumes, {files} files); nothing built again"),
    "faults.status_unfinished": ("{count} 卷入库未完成（缺跟踪表或回执）：{codes}；请重新运行 dangan ingest",
                                 "{count} volume(s) with an unfinished ingest (tracking sheet or receipt missing): {codes}; run dangan ingest again"),
}
