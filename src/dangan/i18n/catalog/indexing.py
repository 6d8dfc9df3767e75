"""Messages of indexing, packaging, link data and handover (issue 5)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- where a problem is ---
    "index.where_row": ("{source} 第 {row} 行（档号 {code}）", "{source} row {row} (archive code {code})"),
    "index.where_item": ("档号 {code} 第 {seq} 件", "archive code {code} item {seq}"),
    "index.where_volume": ("档号 {code}", "archive code {code}"),
    "index.where_desk_record": ("卷宗信息（档号 {code}）", "volume record (archive code {code})"),
    "index.where_desk_entry": ("卷内目录第 {row} 条（档号 {code}）",
                               "catalogue entry {row} (archive code {code})"),
    "index.desk_record_cell": ("卷宗信息“{column}”：{detail}", "volume record, “{column}”: {detail}"),
    "index.desk_entry_cell": ("卷内目录第 {row} 条“{column}”：{detail}",
                              "catalogue entry {row}, “{column}”: {detail}"),
    "index.what_seq": ("顺序号", "item number"),
    "index.what_page": ("起始页号", "first page"),
    # --- catalogue defects ---
    "defect.catalogue_gap": ("{where}：第 {first}–{last} 页不属于任何一件（目录有缺漏）",
                             "{where}: no item holds pages {first}–{last} (gap in the catalogue)"),
    "defect.catalogue_overlap": ("{where}：第 {first}–{last} 页与上一件重叠",
                                 "{where}: the previous item also holds pages {first}–{last}"),
    "defect.catalogue_beyond_last_page": (
        "{where}：终止页 {end} 超出最后一页（共 {last} 页）",
        "{where}: last page {end} is beyond the volume's last page ({last})"),
    "defect.catalogue_order": ("{where}：{what} {value} 未按升序排列（前一件为 {previous}）",
                               "{where}: {what} {value} is not in ascending order (previous {previous})"),
    "defect.catalogue_bad_seq": ("{where}：顺序号 “{value}” 无效或不连续",
                                 "{where}: item number “{value}” is invalid or skips"),
    "defect.catalogue_bad_page": ("{where}：页号 “{value}” 无效，应为整数页号或页号范围，如 3 或 3-5",
                                  "{where}: page number “{value}” is invalid; write a whole page number "
                                  "or a range, e.g. 3 or 3-5"),
    "defect.catalogue_bad_date": ("{where}：{field} “{value}” 不是有效日期（应为 YYYYMMDD、YYYYMM 或 YYYY）",
                                  "{where}: {field} “{value}” is not a valid date (YYYYMMDD, YYYYMM or YYYY)"),
    "defect.catalogue_bad_number": ("{where}：{field} 应为整数，实际为 “{value}”",
                                    "{where}: {field} must be a whole number, found “{value}”"),
    "defect.catalogue_missing_field": ("{where}：缺少 {field}", "{where}: {field} is missing"),
    "defect.catalogue_page_count": ("{where}：页数填写为 {stated}，实际为 {counted} 页",
                                    "{where}: 页数 says {stated}, counted {counted} pages"),
    "defect.catalogue_item_count": ("{where}：件数填写为 {stated}，卷内目录实际 {counted} 件",
                                    "{where}: 件数 says {stated}, the catalogue has {counted} items"),
    "defect.catalogue_empty": ("{where}：没有卷内目录", "{where}: no catalogue entries"),
    "index.bad_unnumbered": ("[catalogue] unnumbered_pages 中的 “{name}” 无效，可选：{choices}",
                             "[catalogue] unnumbered_pages: “{name}” is invalid; choose from: {choices}"),
    "index.unknown_field": ("[catalogue] 中的字段 “{name}” 未知，可选：{choices}",
                            "[catalogue]: unknown field “{name}”; choose from: {choices}"),
    # --- import / check ---
    "index.row_problem": ("{source} 第 {row} 行：{detail}", "{source} row {row}: {detail}"),
    "index.no_code_column": ("{source} 缺少 档号 列", "{source} has no archive code (档号) column"),
    "index.no_code_sheet": ("{path} 中没有一个工作表含 档号 列（已查看：{sheets}）",
                            "No sheet of {path} has an archive code (档号) column (looked at: {sheets})"),
    "index.date_decimal": ("工作表 {sheet} 第 {row} 行“{column}”列：日期存为小数 {value}，无法判断（1997.10 "
                           "在常规格式单元格中即为小数 1997.1，与 1997.1 无从区分）；请将该单元格设为文本格式"
                           "或日期格式后重新填写",
                           "sheet {sheet}, row {row}, column “{column}”: the date is held as the decimal "
                           "number {value}, which is ambiguous (1997.10 typed in a General cell is the "
                           "number 1997.1); set the cell to Text or Date and type it again"),
    "index.date_number": ("工作表 {sheet} 第 {row} 行“{column}”列：数值 {value} 不是年份、年月或年月日"
                          "（YYYY、YYYYMM、YYYYMMDD）{serial}；请将该单元格设为文本格式或日期格式后重新填写",
                          "sheet {sheet}, row {row}, column “{column}”: the number {value} is not a "
                          "year, year-month or date (YYYY, YYYYMM, YYYYMMDD){serial}; set the cell to "
                          "Text or Date and type it again"),
    "index.date_serial_hint": ("；若是未设日期格式的 Excel 日期序列号，则为 {date}",
                               "; if it is an Excel date serial in a cell without date format, it is {date}"),
    "index.volume_in_two_tables": ("档号 {code} 的卷内目录已在 {other} 中出现",
                                   "the catalogue of {code} already appears in {other}"),
    "index.unknown_volume": ("档号 {code} 未登记（请先导入案卷清单）",
                             "archive code {code} is not registered (import the volume list first)"),
    "index.desk_refused": ("著录有 {count} 处错误，未保存", "{count} error(s) in the catalogue; nothing saved"),
    "index.import_rejected": ("{files} 中有 {count} 处错误，未导入任何数据",
                              "{count} problem(s) in {files}; nothing was imported"),
    "index.already_imported": ("{count} 个案卷已有卷内目录，未做任何修改（如需替换请使用 --replace）",
                               "{count} volume(s) already have a catalogue; nothing changed (use --replace)"),
    "index.volume_not_found": ("未找到档号 {code}", "Archive code {code} not found"),
    "index.catalogue_not_imported": (
        "{count} 卷还没有卷内目录（首卷 {first}），标引不能签字：先导入目录 dangan index import FILE -w NAME"
        "（或在著录台录入并保存），导入即为领取人签字；标引环节不能无目录签字",
        "{count} volume(s) have no catalogue (first: {first}); the index stage is not signed: import it "
        "with dangan index import FILE -w NAME (or type and save it at the indexing desk), which signs "
        "for the holder; the index stage is never signed without its catalogue"),
    "index.catalogue_none": ("{code}：没有卷内目录条目", "{code}: no catalogue entries"),
    "index.catalogue_keying_second": (
        "{code}：一稿双录只有一次录入，等第二次录入和差异处理后才有目录",
        "{code}: double keying has one keying only; the catalogue comes after the second keying "
        "and the resolution"),
    "index.catalogue_keying_unresolved": (
        "{code}：一稿双录两次录入的差异还没处理（著录台，或 dangan index resolve FINAL -w NAME）",
        "{code}: the differences between the two keyings are not resolved yet (the indexing desk, "
        "or dangan index resolve FINAL -w NAME)"),
    "index.no_keying": ("档号 {code} 没有两次独立录入的记录（请先运行 dangan index compare）",
                        "archive code {code} has no two independent typings (run dangan index compare first)"),
    "index.imported": ("导入完成：{volumes} 卷，{items} 件（替换 {replaced} 卷）；原表已备份到 {stored}",
                       "Imported {volumes} volume(s), {items} item(s) ({replaced} replaced); file kept as {stored}"),
    "index.check_ok": ("已检查 {volumes} 卷，未发现错误", "Checked {volumes} volume(s): no errors"),
    "index.template_written": ("目录模板已写入 {path}", "Catalogue template written to {path}"),
    "index.compare_same": ("两次录入完全一致（{volumes} 卷）", "The two typings agree ({volumes} volume(s))"),
    "index.compare_diffs": ("两次录入有 {count} 处不一致，请第三人核对后用 dangan index resolve 导入定稿",
                            "{count} difference(s) between the typings; a third person resolves them "
                            "and imports the final file with dangan index resolve"),
    "index.col_volume": ("档号", "Archive code"),
    "index.col_where": ("位置", "Where"),
    "index.col_path": ("路径", "Path"),
    "index.col_code": ("代码", "Code"),
    "index.col_message": ("说明", "Why"),
    "index.col_field": ("字段", "Field"),
    "index.col_first": ("一录", "First typing"),
    "index.col_second": ("二录", "Second typing"),
    "index.col_diff": ("差异", "Difference"),
    "index.record": ("卷宗信息", "Volume record"),
    "index.entry": ("第 {seq} 件", "item {seq}"),
    # --- packaging ---
    "package.no_pages": ("没有可打包的页面", "No pages to package"),
    "package.bad_image": ("图像无法读取：{detail}", "Image cannot be read: {detail}"),
    "package.bad_zip": ("ZIP 文件损坏：{detail}", "ZIP file is broken: {detail}"),
    "package.bad_name_pattern": ("[delivery] pdf_name “{pattern}” 无效：{detail}（可用 {{archive_code}}、{{item_no}}）",
                                 "[delivery] pdf_name “{pattern}” is invalid: {detail} (use {{archive_code}}, {{item_no}})"),
    "package.pdf_subject": ("档号 {code} 第 {seq} 件 {doc_no}", "Archive code {code} item {seq} {doc_no}"),
    "package.unknown_form": ("未知的交付形式 {form}，可选：{choices}", "Unknown delivery form {form}; choose from: {choices}"),
    "package.not_indexed": ("档号 {code} 还没有卷内目录，无法打包", "Archive code {code} has no catalogue yet; cannot package"),
    "package.missing_pages": ("档号 {code}：缺少修图后的第 {pages} 页，未打包",
                              "archive code {code}: retouched page(s) {pages} missing; not packaged"),
    "package.volume_failed": ("档号 {code}：打包失败：{detail}", "archive code {code}: packaging failed: {detail}"),
    "package.done": ("已打包 {volumes} 卷（{form}）：{files} 个文件，{pages} 页",
                     "Packaged {volumes} volume(s) as {form}: {files} file(s), {pages} page(s)"),
    "package.skipped": ("{count} 卷未打包", "{count} volume(s) not packaged"),
    "package.volume_locked": (
        "{count} 卷已过上传环节（质检、回装或已归还），交付文件不能直接重做：{codes}；如需更正请用 --correction 说明原因",
        "{count} volume(s) are past the upload stage (QC, rebinding or returned); their delivery files are not rebuilt unless as a correction with --correction REASON: {codes}"),
    "cli.opt.package.correction": ("更正原因：重新打包已过上传环节的案卷时必填并记录",
                                   "Reason of a correction: needed (and recorded) to package again a volume past the upload stage"),
    # --- link data / link check ---
    "defect.link_image_missing": ("档号 {volume}：第 {page} 张图像没有修图后的文件",
                                  "archive code {volume}: image {page} has no retouched file"),
    "defect.link_image_count": ("档号 {volume}：登记 {registered} 页，实有图像 {found} 张",
                                "archive code {volume}: {registered} pages registered, {found} images found"),
    "defect.link_file_missing": ("{path}：档号 {volume} 第 {seq} 件的交付文件缺失",
                                 "{path}: delivery file of {volume} item {seq} is missing"),
    "defect.link_file_changed": ("{path}：文件内容与记录的 SHA-256 不符（打包后被改动）",
                                 "{path}: content differs from its recorded SHA-256 (changed after packaging)"),
    "defect.link_file_unreadable": ("{path}：文件无法打开：{detail}", "{path}: file cannot be opened: {detail}"),
    "defect.link_file_pages": ("{path}：第 {seq} 件应有 {expected} 页，文件中有 {found} 页",
                               "{path}: item {seq} should have {expected} page(s), the file has {found}"),
    "defect.link_file_extra": ("{path}：不属于任何一件的多余文件", "{path}: extra file belonging to no item"),
    "defect.link_package_stale": (
        "档号 {volume}：交付文件早于其最近一次修图或卷内目录修改（打包后又改了页或目录）—— 重新打包，例如 "
        "dangan package --volume {volume} -w 打包人 --correction 原因",
        "archive code {volume}: the delivery files are older than its latest retouch or "
        "catalogue change (pages or catalogue changed after packaging) — package it again, "
        "e.g. dangan package --volume {volume} "
        "-w PACKAGER --correction REASON"),
    "defect.link_not_packaged": ("档号 {volume}：尚未打包为 {form}", "archive code {volume}: not packaged as {form} yet"),
    "link.unknown_format": ("未知的挂接数据格式 {fmt}（可选 xlsx、csv、xml）",
                            "Unknown link-data format {fmt} (xlsx, csv or xml)"),
    "link.summary": ("挂接检查：{volumes} 卷，{errors} 处错误，{warnings} 处提示",
                     "Link check: {volumes} volume(s), {errors} error(s), {warnings} warning(s)"),
    "link.exported": ("挂接数据已写入 {paths}", "Link data written to {paths}"),
    # --- handover ---
    "handover.exists": ("{path} 已存在，不会覆盖", "{path} already exists and will not be overwritten"),
    "handover.refused": ("挂接检查发现 {count} 处错误，不能移交", "The link check found {count} error(s); nothing handed over"),
    "handover.description": ("{name} 数字化成果移交：{volumes} 卷，交付形式 {form}",
                             "{name} digitization handover: {volumes} volume(s), delivery form {form}"),
    "handover.done": ("移交包已生成：{path}（{volumes} 卷，{files} 个交付文件）",
                      "Handover bag written: {path} ({volumes} volume(s), {files} delivered file(s))"),
    "handover.verified": ("移交包校验通过：{path}（{files} 个文件，SHA-256 全部一致）",
                          "Handover bag verified: {path} ({files} file(s), all SHA-256 match)"),
    "handover.invalid": ("移交包 {path} 校验失败：{count} 处问题", "Handover bag {path} failed verification: {count} problem(s)"),
    "handover.missing": ("缺少文件：{path}", "missing file: {path}"),
    "handover.changed": ("文件已被改动（SHA-256 不符）：{path}", "file changed (SHA-256 mismatch): {path}"),
    "handover.unexpected": ("清单之外的文件：{path}", "file not in the manifest: {path}"),
    "package.waiting_forms": ("案卷 {code} 还缺交付格式 {forms}，做完后上传环节才签字",
                              "Volume {code} still lacks delivery form(s) {forms}; the upload stage is signed once they are made"),
    "stage.signed_volumes": ("已签字：{worker} 签“{stage}”{count} 卷：{codes}",
                             "Signed: {worker} signed “{stage}” for {count} volume(s): {codes}"),
    "package.already": ("{count} 卷的 {form} 已按同样的请求打包过，文件未改动：{codes}",
                        "{count} volume(s) were packaged as {form} by the same request before; files untouched: {codes}"),
    "index.check_found": ("已检查 {volumes} 卷：{errors} 处错误，{warnings} 处提示（涉及 {with_defects} 卷）",
                          "Checked {volumes} volume(s): {errors} error(s), {warnings} warning(s) in {with_defects} volume(s)"),
    "link.checked": ("挂接检查：已检查 {volumes} 卷、{files} 个交付文件（{forms}），{errors} 处错误，{warnings} 处提示",
                     "Link check: {volumes} volume(s) and {files} delivered file(s) checked ({forms}); {errors} error(s), {warnings} warning(s)"),
    "handover.forms": ("移交包中的交付形式：{forms}（{folders}）", "Delivery forms in the bag: {forms} ({folders})"),
    "index.unfilled_skipped": (
        "{count} 卷未填写（只有档号和模板预填的案卷题名、页数，没有卷内目录），未导入：{codes}",
        "{count} volume(s) not filled in (only the archive code and the title and page count the "
        "template gives, no catalogue rows); not imported: {codes}"),
    "index.blank_kept": (
        "{count} 卷中的空白单元格保留了已录入的值（卷宗信息，及顺序号、起始页号相同的卷内目录条目；"
        "文件中的空白不清除已录入内容，如需清空某项请在著录台修改）：{codes}",
        "{count} volume(s): blank cells kept the recorded values (of the volume record, and of "
        "catalogue rows with the same item number and first page; a blank cell in a file never "
        "clears a recorded field: clear one at the indexing desk): {codes}"),
    "index.empty_entry_rows": (
        "{source} 有 {count} 行只有档号（或顺序号），未填写，不作为卷内目录导入：第 {rows} 行",
        "{source}: {count} row(s) hold only the archive code (or item number) and were not "
        "imported as catalogue entries: row(s) {rows}"),
    "index.unchanged": ("{count} 卷的目录与已导入的完全相同，未改动：{codes}",
                        "{count} volume(s) unchanged: the same catalogue is already recorded; nothing written: {codes}"),
}
