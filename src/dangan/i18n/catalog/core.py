"""Messages of the foundation: errors, configuration, project home, volumes, CLI."""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- error families (defaults) ---
    "error.internal": ("内部错误：{detail}", "Internal error: {detail}"),
    "error.config": ("配置错误", "Configuration error"),
    "error.input": ("输入有误", "Invalid input"),
    "error.naming": ("命名不符合规则", "Name does not follow the rule"),
    "error.spreadsheet": ("表格有误", "Spreadsheet error"),
    "error.not_found": ("未找到", "Not found"),
    "error.conflict": ("与已有记录冲突", "Conflicts with existing records"),
    "error.state": ("当前流程状态不允许此操作", "The workflow state does not allow this"),
    "error.integrity": ("文件完整性校验失败", "File integrity check failed"),
    "error.defects_found": ("发现 {count} 处错误", "{count} error(s) found"),
    "error.external_tool": ("外部程序 {tool} 出错：{detail}", "External tool {tool} failed: {detail}"),
    "error.storage": ("存储出错：{detail}", "Storage error: {detail}"),
    "error.interrupted": ("已中断", "Interrupted"),
    "error.unexpected": (
        "程序内部错误（{type}）：{detail}。请把以上信息报告给维护人员。",
        "Internal error ({type}): {detail}. Please report this to the maintainers.",
    ),
    "cli.error_prefix": ("错误：", "Error: "),
    # --- configuration ---
    "config.missing": ("找不到项目配置文件 {path}（该目录不是 dangan 项目，请先运行 dangan init）",
                       "Project configuration {path} not found (not a dangan project; run dangan init first)"),
    "config.syntax": ("配置文件 {path} 第 {line} 行语法错误：{detail}",
                      "Syntax error in {path} line {line}: {detail}"),
    "config.invalid": ("配置文件 {path} 中的配置项有误", "Invalid settings in {path}"),
    "config.key_error": ("{path} 第 {line} 行，配置项 {key}：{detail}",
                         "{path} line {line}, key {key}: {detail}"),
    "config.key_error_noline": ("{path}，配置项 {key}：{detail}", "{path}, key {key}: {detail}"),
    "config.unknown_template": ("未知的项目模板 {name}，可选：{choices}",
                                "Unknown project template {name}; choose from: {choices}"),
    "config.exists": ("{path} 已存在，不会覆盖", "{path} already exists and will not be overwritten"),
    "config.unreadable": ("无法读取配置文件 {path}：{detail}", "Cannot read the settings file {path}: {detail}"),
    "config.not_utf8": ("配置文件 {path} 不是 UTF-8 编码（第 {offset} 字节起无法解码）。请用 UTF-8 保存",
                        "The settings file {path} is not UTF-8 (undecodable from byte {offset}). Save it as UTF-8"),
    "config.unbalanced_braces": ("规则 {pattern} 中的花括号不成对", "the braces in the rule {pattern} do not pair up"),
    "config.bad_file_name": ("{name} 必须是一个文件名：不能含 / \\ 或 ..，不能以 . 开头",
                             "{name} must be a plain file name: no / \\ or .., not starting with ."),
    "config.bad_database_url": ("不是有效的数据库地址（支持：{backends}），例如 postgresql+psycopg://user@host/db",
                                "not a valid database URL (supported: {backends}), e.g. postgresql+psycopg://user@host/db"),
    "config.bad_storage_url": ("未知或未安装的存储协议 {protocol}：{detail}",
                               "unknown or unavailable storage protocol {protocol}: {detail}"),
    "config.database_env_conflict": (
        "{path} 所在的项目目录有自己的数据库 {own}（dangan.toml 的 [database] url，或目录中的 "
        "dangan.sqlite），而环境变量 DANGAN_DATABASE_URL 指向 {env}：这个项目目录（例如恢复出的"
        "副本）若用环境变量的数据库，记录会写进另一个项目的数据库。请为本次命令取消 "
        "DANGAN_DATABASE_URL，或用 DANGAN_PROJECT 指明环境变量所属的项目目录",
        "The home of {path} has its own database {own} ([database] url in dangan.toml, or the "
        "dangan.sqlite in it), while DANGAN_DATABASE_URL names {env}: this home (a restored "
        "copy, say) opened on the environment's database would write its records into another "
        "project's database. Unset DANGAN_DATABASE_URL for this command, or name the home it "
        "belongs to in DANGAN_PROJECT"),
    "config.storage_env_conflict": (
        "{path} 所在的项目目录有自己的存储 {own}，而环境变量 DANGAN_STORAGE_URL 指向 {env}："
        "这个项目目录（例如恢复出的副本）若用环境变量的存储，文件与记录将不相对应。请为本次命令"
        "取消 DANGAN_STORAGE_URL，或用 DANGAN_PROJECT 指明环境变量所属的项目目录",
        "The home of {path} has its own storage {own}, while DANGAN_STORAGE_URL names {env}: "
        "this home (a restored copy, say) opened on the environment's storage would pair its "
        "records with another project's files. Unset DANGAN_STORAGE_URL for this command, or "
        "name the home it belongs to in DANGAN_PROJECT"),
    "config.bad_env": ("环境变量 {name} 的值无效：{detail}", "Invalid value for environment variable {name}: {detail}"),
    "config.unknown_defect_type": ("未知的问题类型 {name}，可选：{choices}",
                                   "unknown defect type {name}; choose from: {choices}"),
    "config.unknown_stage": ("未知的环节 {name}，可选：{choices}",
                             "unknown stage {name}; choose from: {choices}"),
    "config.bad_piece_rate": ("计件单价键 {key} 应写成 <环节>_per_<单位>：环节为本项目流程中的 {stages}"
                              "（几个环节用 _ 连接时均分单价），单位为 {units}",
                              "piece-rate key {key} must read <stage>_per_<unit>: stage one of this "
                              "line's {stages} (several joined by _ share the rate), unit one of {units}"),
    "config.piece_rate_stage": ("计件单价键 {key} 中的环节 {stage} 不在本项目流程中，可选：{stages}",
                                "piece-rate key {key} names stage {stage}, which is not on this "
                                "project's line; choose from: {stages}"),
    # --- naming rules ---
    "naming.bad_pattern": ("命名规则 {pattern} 无效：{detail}", "Invalid naming rule {pattern}: {detail}"),
    "naming.mismatch": ("“{value}” 不符合规则“{rule}”：{detail}",
                        "“{value}” does not follow the rule “{rule}”: {detail}"),
    # a rule in words (naming.describe_rule): 年度4位-类别-目录号4位-案卷号4位，如 1997-民-0014-0025
    "naming.describe.rule": ("{words}，如 {example}", "{words}, e.g. {example}"),
    "naming.describe.digits": ("{label}{width}位", "{label} ({width} digits)"),
    "naming.describe.choice": ("{label}（{choices} 之一）", "{label} (one of {choices})"),
    "naming.describe.extension": ("扩展名", "extension"),
    # a folder rule's macro with the parts it is written in (naming.describe_rule)
    "naming.describe.macro": ("{label}（{parts}）", "{label} ({parts})"),
    "naming.describe.part.wb_borrow": ("借卷批次号", "borrow batch no."),
    "naming.describe.part.wb_total": ("小批次总数", "count of work batches"),
    "naming.describe.part.wb_no": ("小批次序号", "work batch's own no."),
    "naming.expected_literal": ("第 {pos} 个字符处应为 “{literal}”，实际为 “{found}”",
                                "expected “{literal}” at character {pos}, found “{found}”"),
    "naming.segment_empty": ("段 {segment} 为空", "segment {segment} is empty"),
    "naming.segment_not_number": ("段 {segment} 应为数字，实际为 “{found}”",
                                  "segment {segment} must be a number, found “{found}”"),
    "naming.segment_width": ("段 {segment} 应为 {width} 位数字，实际为 “{found}”",
                             "segment {segment} must have {width} digits, found “{found}”"),
    "naming.segment_choice": ("段 {segment} 应为 {choices} 之一，实际为 “{found}”",
                              "segment {segment} must be one of {choices}, found “{found}”"),
    "naming.segment_named": ("{label}（{name}）", "{label} ({name})"),
    "naming.segment.borrow_batch": ("借卷批次号", "borrow batch no."),
    "naming.segment.work_batch": ("小批次号", "work batch no."),
    "naming.segment.wb_borrow": ("小批次号中的借卷批次号", "the work batch's borrow batch no."),
    "naming.segment.wb_total": ("小批次号中的小批次总数", "the work batch's count of work batches"),
    "naming.segment.wb_no": ("小批次号中的小批次序号", "the work batch's own no."),
    "naming.segment.archive_code": ("档号", "archive code"),
    "naming.segment.fonds": ("全宗号", "fonds no."),
    "naming.segment.year": ("年度", "year"),
    "naming.segment.category": ("类别", "category"),
    "naming.segment.catalogue_no": ("目录号", "catalogue no."),
    "naming.segment.case_no": ("案卷号", "case no."),
    "naming.segment.volume_no": ("案卷号", "volume no."),
    "naming.segment.doc_class": ("门类代码", "document class"),
    "naming.segment.retention": ("保管期限", "retention period"),
    "naming.segment.item_no": ("件号", "item no."),
    "naming.segment.page_no": ("页号", "page no."),
    "naming.trailing": ("多余的字符 “{found}”", "unexpected trailing text “{found}”"),
    "naming.missing_value": ("缺少段 {segment} 的值", "missing a value for segment {segment}"),
    "naming.bad_value": ("段 {segment} 的值 “{found}” 无效", "invalid value “{found}” for segment {segment}"),
    # --- project home ---
    "project.created": ("已创建项目 {name}：{path}", "Created project {name} at {path}"),
    "project.created_database": (
        "数据库：{url}（已写入 dangan.toml，不含密码；密码请放在 DANGAN_DATABASE_URL 或 ~/.pgpass）",
        "Database: {url} (written to dangan.toml without its password; give the password in "
        "DANGAN_DATABASE_URL or ~/.pgpass)"),
    "project.created_storage": ("存储：{url}（已写入 dangan.toml）",
                                "Storage: {url} (written to dangan.toml)"),
    "project.init_bad_url": ("{option} 的值无效：{detail}", "Invalid {option}: {detail}"),
    "project.init_env_conflict": (
        "{option} 指向 {given}，而环境变量 {name} 指向 {env}：以后的命令会用环境变量的那个。"
        "请为 init 取消 {name}，或让两者指向同一处",
        "{option} names {given} while {name} names {env}: later commands would use the "
        "variable's. Unset {name} for init, or make both name the same place"),
    "project.init_database_in_use": (
        "数据库 {url} 中已有项目（{projects}）：init 不会在其中再建一个项目。请给一个空的数据库（或模式）",
        "The database {url} already holds a project ({projects}): init makes no second "
        "project in it. Give an empty database (or schema)"),
    "project.init_storage_in_use": (
        "存储 {path} 中已有存储的文件（其他项目的页面？）：init 不会在其上新建项目，新数据库不记录这些文件。"
        "请给一个空的存储根目录；要接着用原项目，请用它自己的 dangan.toml 和数据库（或 dangan restore 从备份恢复）",
        "The storage {path} already holds stored files (another project's pages?): init makes "
        "no project on it, the new database would record none of them. Give an empty storage "
        "root; to go on with that project, use its own dangan.toml and database (or dangan "
        "restore from a backup)"),
    "project.db_upgraded": ("数据库已升级到最新版本（{url}）", "Database upgraded to the latest revision ({url})"),
    "project.db_error": ("数据库出错：{detail}", "Database error: {detail}"),
    "project.db_unreachable": (
        "无法连接数据库 {url}：{address} 上没有 PostgreSQL 服务器应答。请检查 PostgreSQL 服务器是否在运行，"
        "数据库地址中的主机与端口是否正确（DANGAN_DATABASE_URL 或 dangan.toml 的 [database] url），"
        "以及防火墙是否放行。数据库驱动的原话：",
        "Cannot connect to the database {url}: no PostgreSQL server answers at {address}. Check "
        "that the PostgreSQL server is running, that the host and port of the database URL "
        "(DANGAN_DATABASE_URL or [database] url in dangan.toml) are right, and that no firewall "
        "stands between. What the database driver said:"),
    "project.db_error_rerun": (
        "dangan {command} 未完成；数据库恢复后可放心重新运行：它会从头重新检查，接着做完",
        "dangan {command} did not finish; once the database answers again it is safe to run it "
        "again: it checks everything from the start and finishes the work"),
    "project.db_missing": (
        "数据库文件 {path} 不存在：数据库地址（DANGAN_DATABASE_URL 或 dangan.toml 的 [database] url）"
        "是否写错？或数据库文件已丢失（可用 dangan restore 从备份恢复）。不会在此新建空数据库"
        "（只有 dangan init 和 dangan restore 创建数据库）",
        "The database file {path} does not exist: is the database URL (DANGAN_DATABASE_URL or "
        "[database] url in dangan.toml) mistyped, or was the file lost (dangan restore brings it "
        "back from a backup)? No new, empty database is made here (only dangan init and dangan "
        "restore create one)"),
    "project.not_initialised": ("数据库尚未初始化：{url}（请运行 dangan db upgrade）",
                                "Database not initialised: {url} (run dangan db upgrade)"),
    "project.id_mismatch": ("{path} 中的项目标识 project.id = {id} 与数据库（{url}）中的项目不符"
                            "（数据库中为 {found}）。请检查 dangan.toml 是否被复制或修改，或数据库地址是否正确",
                            "The project id project.id = {id} in {path} does not match the project in "
                            "the database ({url}, which holds {found}). Check whether dangan.toml was "
                            "copied or edited, or whether the database URL is right"),
    "project.not_in_database": ("数据库（{url}）中没有项目 {id}。项目名称改过了吗？请改回原名称，"
                                "或运行 dangan db upgrade 登记该项目",
                                "The database ({url}) holds no project {id}. Was the project renamed? "
                                "Restore its name, or run dangan db upgrade to register it"),
    "project.empty_database_beside_files": (
        "数据库 {url} 是空的，而存储 {path} 中已有本项目的文件：数据库地址（DANGAN_DATABASE_URL 或 "
        "dangan.toml 的 [database] url）可能写错了，或数据库已丢失。请改正地址，或用 dangan restore "
        "从备份恢复数据库；不会在此建立新的空项目",
        "The database {url} is empty but the storage {path} already holds this project's files: "
        "the database URL (DANGAN_DATABASE_URL or [database] url in dangan.toml) may be wrong, or "
        "the database was lost. Correct the URL, or restore the database from a backup with "
        "dangan restore; no new, empty project is made here"),
    "project.name_taken": ("数据库中已有另一个名为 {name} 的项目", "Another project named {name} is already in the database"),
    "project.bad_id": ("项目标识须为 UUID，例如 1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                       "the project id must be a UUID, e.g. 1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
    # --- volumes import ---
    "volumes.file_missing": ("文件不存在：{path}", "File not found: {path}"),
    "volumes.file_empty": ("文件 {path} 是空的", "File {path} is empty"),
    "volumes.file_unreadable": ("无法读取 {path}：{detail}", "Cannot read {path}: {detail}"),
    "volumes.not_xlsx": ("{path} 不是有效的 Excel (.xlsx) 文件（实际内容像是 {kind}）",
                         "{path} is not a valid Excel (.xlsx) file (its content looks like {kind})"),
    "volumes.bad_format": ("不支持的文件类型 {suffix}，请使用 .xlsx 或 .csv",
                           "Unsupported file type {suffix}; use .xlsx or .csv"),
    "volumes.no_header": ("{path} 中找不到表头（需要包含 档号 列）",
                          "No header row found in {path} (an archive code column is required)"),
    "volumes.missing_column": ("{path} 缺少必需的列：{column}", "{path} lacks the required column: {column}"),
    "volumes.duplicate_column": ("{path} 中列 {column} 出现了两次", "Column {column} appears twice in {path}"),
    "volumes.rows_invalid": ("{path} 中有 {count} 行有误，未导入任何数据",
                             "{count} bad row(s) in {path}; nothing was imported"),
    "volumes.row_error": ("第 {row} 行：{detail}", "row {row}: {detail}"),
    "volumes.row_empty_code": ("档号为空", "archive code is empty"),
    "volumes.row_duplicate_code": ("档号 {code} 与第 {other} 行重复", "archive code {code} duplicates row {other}"),
    "volumes.row_bad_int": ("列 {column} 应为整数，实际为 “{value}”", "column {column} must be a whole number, found “{value}”"),
    "volumes.changed_rows": ("{count} 个案卷与已导入的记录不一致，未做任何修改（如需更新请使用 --update）",
                             "{count} volume(s) differ from what was imported; nothing changed (use --update to apply)"),
    "volumes.changed_row": ("第 {row} 行 档号 {code}：{field} 已导入为 “{old}”，文件中为 “{new}”",
                            "row {row} archive code {code}: {field} was imported as “{old}”, file says “{new}”"),
    "volumes.imported": ("导入完成：新增 {added} 卷，未变 {unchanged} 卷，更新 {updated} 卷",
                         "Import done: {added} added, {unchanged} unchanged, {updated} updated"),
    "volumes.kept_indexed_titles": ("；{count} 卷的题名已由著录确定，保留著录的题名",
                                    "; {count} kept the title set by indexing"),
    "volumes.extra_columns": ("未识别的列，作为附加信息保存：{columns}",
                              "Columns not recognised, kept as extra information: {columns}"),
    "volumes.sheet_used": ("数据取自工作表 {sheet}", "Data read from sheet {sheet}"),
    "volumes.no_code_sheet": ("{path} 中没有一个工作表含 档号 列（已查看：{sheets}）",
                              "No sheet of {path} has an archive code (档号) column (looked at: {sheets})"),
    "volumes.two_code_sheets": ("{path} 中有多个工作表含 档号 列（{sheets}），无法确定哪一张是案卷目录；"
                                "请只保留一张（或将其余隐藏），未导入任何数据",
                                "Several sheets of {path} have an archive code (档号) column ({sheets}); "
                                "which one is the volume list cannot be told: keep only one (or hide the "
                                "others). Nothing imported"),
    "volumes.value_empty": ("空", "empty"),
    "volumes.extra_value": ("{column}：{value}", "{column}: {value}"),
    "volumes.total_row_skipped": ("第 {row} 行为合计行，已跳过", "Row {row} is a total row; skipped"),
    # --- status ---
    "status.title": ("项目 {name} 状态", "Status of project {name}"),
    "status.volumes": ("案卷", "Volumes"),
    "status.pages_expected": ("登记页数", "Registered pages"),
    "status.pages_stored": ("已存页面", "Stored pages"),
    "status.stage": ("环节", "Stage"),
    "status.count": ("数量", "Count"),
    "status.area": ("存储区", "Storage area"),
    "status.files": ("文件数", "Files"),
    "status.sep": ("：", ": "),
    "status.database": ("数据库", "Database"),
    "status.storage": ("存储根目录", "Storage root"),
    "status.open_defects": ("未处理问题", "Open defects"),
    "defects.none": ("没有未处理的问题", "No open defects"),
    "defects.none_ever": ("从未记录过任何问题（已处理的也没有）",
                          "No defects have ever been recorded (none dealt with either)"),
    "defects.numbered": ("#{id} {what}", "#{id} {what}"),
    "defects.volume": ("档号", "Archive code"),
    "defects.page": ("页", "Page"),
    "defects.level": ("级别", "Level"),
    "defects.what": ("问题", "Finding"),
    "defects.source": ("来源", "Source"),
    "defects.stage": ("环节", "Stage"),
    "defects.status": ("状态", "Status"),
    "defects.count": ("共 {count} 条，其中错误 {errors} 条", "{count} in all, {errors} of them errors"),
    "defects.more": ("另有 {count} 条未显示，用 --json 可全部列出",
                     "{count} more not shown; --json lists them all"),
    "defects.source_check": ("扫描检查", "scan check"),
    "defects.source_retouch": ("修图自动检查", "retouch check"),
    "defects.source_link": ("挂接检查", "link check"),
    "defects.source_qc": ("质检", "QC"),
    "defects.source_line": ("流程中记录", "recorded on the line"),
    "defects.source_borrow": ("借还卷", "borrow/return"),
    "defects.status_open": ("未处理", "open"),
    "defects.status_fixed": ("已修正", "fixed"),
    "defects.status_verified": ("已核验", "verified"),
    "defects.status_waived": ("已免除", "waived"),
    "defects.status_noted": ("原卷错误，已记录", "the paper's own, noted"),
    # --- stage names (shared by all areas) ---
    "stage.borrow": ("借卷", "Borrow"),
    "stage.sort": ("整理", "Sort"),
    "stage.scan": ("扫描", "Scan"),
    "stage.retouch": ("修图", "Retouch"),
    "stage.index": ("标引", "Index"),
    "stage.upload": ("上传", "Upload"),
    "stage.qc": ("质检", "QC"),
    "stage.rebind": ("装订", "Rebind"),
    "stage.return": ("还卷", "Return"),
    "stage.registered": ("已登记", "Registered"),
    "stage.done": ("完成", "Done"),
    # --- roles ---
    "role.borrow_clerk": ("借还卷员", "Borrow clerk"),
    "role.sorter": ("整理员", "Sorter"),
    "role.scan_operator": ("扫描员", "Scan operator"),
    "role.retoucher": ("修图员", "Retoucher"),
    "role.indexer": ("标引员", "Indexer"),
    "role.uploader": ("上传员", "Uploader"),
    "role.qc_inspector": ("质检员", "QC inspector"),
    "role.binder": ("装订员", "Binder"),
    "role.project_manager": ("项目经理", "Project manager"),
    "role.archive_staff": ("档案室人员", "Archive-room staff"),
    # --- storage ---
    "storage.write_failed": ("写入 {path} 失败：{detail}", "Writing {path} failed: {detail}"),
    "storage.read_failed": ("读取 {path} 失败：{detail}", "Reading {path} failed: {detail}"),
    "storage.checksum_mismatch": ("{path} 校验值不符：应为 {expected}，实际为 {actual}",
                                  "{path} checksum mismatch: expected {expected}, got {actual}"),
    "storage.signed_sheets_left": (
        "“{stage}”已由 {worker} 签字，已记入数据库（{count} 卷：{codes}），不必再签；"
        "其跟踪表可能未更新：排除原因后，运行 dangan sheets rebuild 重写，或在每卷下一次签字时重写（中断的入库在重新运行时补写）",
        "“{stage}” is signed by {worker} and recorded in the database ({count} volume(s): "
        "{codes}), no need to sign again; their tracking sheets may be out of date: once the "
        "cause is fixed, run dangan sheets rebuild, or each is rebuilt at the volume's next "
        "sign-off (an interrupted ingest's rerun writes it)"),
    "storage.outside_root": ("路径 {path} 超出存储根目录", "Path {path} is outside the storage root"),
    "storage.masters_protected": ("{path} 是“已扫描”区的母版页面，只有入库（ingest）可以写入，拒绝修改",
                                  "{path} is a master page in 已扫描: only ingest writes it; refused"),
    "storage.outside_area": ("路径 {path} 超出存储区 {area}，拒绝写入", "Path {path} leaves the storage area {area}; refused"),
    # --- demo ---
    "demo.start": ("在 {path} 创建演示项目", "Creating a demo project in {path}"),
    "demo.step": ("▶ {name}", "▶ {name}"),
    "demo.done": ("演示完成。输出位置：{path}", "Demo finished. Outputs are in {path}"),
    "demo.exists": ("{path} 已存在且不是空目录；请换一个目录或先删除它",
                    "{path} exists and is not empty; choose another directory or remove it"),
}
MESSAGES.update({
    "demo.step_samples": ("生成 {volumes} 卷样例扫描件（含倾斜、黑边、装订孔、空白页、重扫页）",
                          "Generating {volumes} sample scanned volumes (skew, black borders, holes, blank and rescanned pages)"),
    "demo.step_import": ("导入委托方案卷清单", "Importing the client's volume list"),
    "demo.step_catalogue": ("标引员录入卷宗信息与卷内目录（Excel）", "Indexer types the volume records and catalogues (Excel)"),
    "demo.step_handover": ("制作验收移交包（BagIt + METS）并校验", "Building and verifying the handover package (BagIt + METS)"),
    "demo.handover_done": ("移交包 {path}：{volumes} 卷，{files} 个文件，校验{ok}",
                           "Handover package {path}: {volumes} volumes, {files} files, verification {ok}"),
    "demo.ok": ("通过", "passed"),
    "demo.not_ok": ("未通过", "FAILED"),
    "demo.step_rescans": ("扫描员复核：检查扫描件，删除重扫页", "Scan operator's review: check the scans, remove rescanned sheets"),
    "demo.rescan_removed": ("  {volume}：第 {page} 页为重扫页，已移出（保留在 .dangan-removed）",
                            "  {volume}: page {page} is a rescan, removed (kept in .dangan-removed)"),
})
