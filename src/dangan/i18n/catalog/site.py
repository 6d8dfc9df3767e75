"""Messages of running a site: backup and restore, the local-copy rule, external tools."""

MESSAGES: dict[str, tuple[str, str]] = {
    "site.tool_missing": ("找不到程序 {tool}，请安装软件包 {package}",
                          "Program {tool} not found; install the package {package}"),
    "site.tool_failed": ("{tool} 失败（退出码 {code}）：{detail}", "{tool} failed (exit {code}): {detail}"),
    # --- backup / restore ---
    "site.backup.inside_storage": ("备份目录 {path} 在存储区 {storage} 之内，拒绝执行：备份要放在另一处",
                                   "The backup folder {path} lies inside the storage {storage}; refused: "
                                   "a backup belongs elsewhere"),
    "site.backup.done": ("备份完成：{snapshot}。文件 {files} 个，新复制 {copied} 个（{size}），已有 {reused} 个",
                         "Backup done: {snapshot}. {files} files, {copied} copied ({size}), {reused} "
                         "already there"),
    "site.backup.changed": ("{count} 个文件现在的内容与数据库记录的校验值不同，未备份（请运行 dangan fixity）：",
                            "{count} files now differ from the checksum the database records and were "
                            "not backed up (run dangan fixity):"),
    "site.backup.not_a_folder": ("备份目录 {path} 不是目录，拒绝执行：请给出一个目录",
                                 "The backup folder {path} is not a folder; refused: give a folder"),
    "site.backup.holds_storage": ("备份目录 {path} 包含存储区 {storage}，拒绝执行：备份要放在另一处",
                                  "The backup folder {path} holds the storage {storage}; refused: "
                                  "a backup belongs elsewhere"),
    "site.backup.inside_home": ("备份目录 {path} 与项目目录 {home} 重叠，拒绝执行：备份要放在另一处",
                                "The backup folder {path} overlaps the project home {home}; refused: "
                                "a backup belongs elsewhere"),
    "site.backup.write_failed": ("备份时无法写入 {path}：{detail}（未留下新的备份）",
                                 "The backup could not write {path}: {detail} (no new backup left)"),
    "site.backup.folder_gone": ("备份目录 {path} 在备份过程中消失（被移走或卸载），未留下新的备份",
                                "The backup folder {path} went away during the backup (moved or "
                                "unmounted); no new backup left"),
    "site.backup.done_with_problems": ("备份已写入：{snapshot}，但有存储文件未通过校验（见下）。文件 {files} 个，新复制 {copied} 个（{size}），已有 {reused} 个",
                                       "Backup written: {snapshot}, but some stored files failed "
                                       "their check (below). {files} files, {copied} copied ({size}), "
                                       "{reused} already there"),
    "site.backup.repaired": ("备份中 {count} 个文件的内容已损坏，已从存储区重新复制：",
                             "{count} files were damaged in the backup and were copied again from "
                             "the storage:"),
    "site.backup.busy": ("另一个备份正在写入 {path}，请待其结束后再运行",
                         "Another backup is writing into {path}; run again when it has finished"),
    "site.backup.damaged": ("{count} 个存储文件现在与数据库记录的校验值不同（备份中保有其记录的内容，可从中取回；请运行 dangan fixity）：",
                            "{count} stored files now differ from the checksum the database records "
                            "(the backup holds their recorded content, to take back from; run dangan fixity):"),
    "site.backup.missing": ("{count} 个存储文件在存储区中缺失（其中 {held} 个备份中保有其记录的内容，可从中取回；其余未备份；请运行 dangan fixity）：",
                            "{count} stored files are missing from the storage ({held} of them the "
                            "backup holds with their recorded content, to take back from; the rest "
                            "are not backed up; run dangan fixity):"),
    "site.backup.failed_or_missing": ("备份已完成其余部分，但 {missing} 个存储文件缺失、{bad} 个校验不一致",
                                      "The backup finished everything else, but {missing} stored "
                                      "files are missing and {bad} fail their checksum"),
    "site.backup.failed_verification": ("备份已完成其余部分，但 {count} 个存储文件校验不一致",
                                        "The backup finished everything else, but {count} stored files "
                                        "fail their checksum"),
    "site.restore.no_snapshot": ("{path} 中没有备份", "No backup in {path}"),
    "site.restore.unknown_snapshot": ("没有备份 {name}，可选：{choices}", "No backup {name}; choose one of {choices}"),
    "site.restore.bad_format": ("备份 {name} 的格式 {format} 不能读取", "Backup {name} has format {format}, which this version cannot read"),
    "site.restore.database_kind": ("该备份的数据库是 {kind}：PostgreSQL 备份须用 --database-url 指定目标库，SQLite 备份不能恢复到 PostgreSQL",
                                   "This backup's database is {kind}: a PostgreSQL backup needs "
                                   "--database-url for its target, a SQLite backup cannot go to PostgreSQL"),
    "site.restore.objects_missing": ("备份 {backup} 中缺少 {count} 个已备份文件的内容（备份之后被删除；备份时缺失的文件另列，不在此数），未恢复任何内容；加 --skip-damaged 可恢复数据库与其余文件并列出这些文件：",
                                     "{count} backed-up files have no content in the backup {backup} "
                                     "(deleted after the backup; files missing at backup time are "
                                     "listed apart, not counted here); nothing was restored. --skip-damaged "
                                     "restores the database and every other file, naming these:"),
    "site.restore.objects_damaged": ("备份 {backup} 中有 {count} 个文件的内容已损坏（大小与记录不符），未恢复任何内容；加 --skip-damaged 可恢复数据库与其余文件并列出这些文件：",
                                     "{count} files are damaged in the backup {backup} (their size "
                                     "differs from the record); nothing was restored. --skip-damaged restores "
                                     "the database and every other file, naming these:"),
    "site.restore.object_line": ("{object}（存储文件 {path}）", "{object} (stored file {path})"),
    "site.restore.object_damaged": ("备份中的 {backup}/{object} 已损坏（校验值与记录不符），它是存储文件 {path} 的内容；未写入任何项目目录。请用 dangan backup --verify 修复该备份，或恢复较早的备份（--snapshot）；加 --skip-damaged 可恢复数据库与其余文件并列出损坏的文件",
                                    "{backup}/{object} is damaged in the backup (its checksum differs "
                                    "from the record); it holds the stored file {path}; no project home "
                                    "was written. Repair the backup with dangan backup --verify, or "
                                    "restore an earlier one (--snapshot); --skip-damaged restores the "
                                    "database and every other file, naming the damaged ones"),
    "site.restore.snapshot_unfinished": ("备份 {name} 未完成（{path} 中没有完成标记 complete.json），不能恢复：请选择其他备份",
                                         "The backup {name} is unfinished ({path} has no completion "
                                         "marker complete.json) and cannot be restored: choose another"),
    "site.restore.only_unfinished": ("{path} 中没有完整的备份：{names} 没有完成标记 complete.json（备份在写完前被中断），不能恢复；下一次 dangan backup 会删除它。请恢复其他备份目录",
                                     "No complete backup in {path}: {names} has no completion marker "
                                     "complete.json (the backup was stopped before it finished) and "
                                     "is never restored; the next dangan backup removes it. Restore "
                                     "from another backup folder"),
    "site.restore.only_unmarked": ("{path} 中没有带完成标记的备份；其中 {names} 是旧版本写的（或未完成的）备份：确认后可用 --snapshot 指定旧版本的备份恢复（不核对其校验值）",
                                   "No backup in {path} has a completion marker; {names} were written "
                                   "by an older version (or are unfinished): name an older version's "
                                   "backup with --snapshot to restore it (its checksums are not checked)"),
    "site.restore.snapshot_file_missing": ("备份文件 {path} 不存在：该备份不完整，请选择其他备份（--snapshot）",
                                           "The backup file {path} does not exist: this backup is "
                                           "incomplete; choose another (--snapshot)"),
    "site.restore.snapshot_unreadable": ("无法读取备份文件 {path}：{detail}",
                                         "Cannot read the backup file {path}: {detail}"),
    "site.restore.snapshot_damaged": ("备份文件 {path} 的校验值与备份时记录的不同（已被修改或损坏），拒绝恢复：请选择其他备份（--snapshot）",
                                      "The backup file {path} differs from the checksum recorded when "
                                      "the backup was taken (changed or damaged); refused: choose "
                                      "another backup (--snapshot)"),
    "site.restore.manifest_lacks": ("备份的数据库记录了 {count} 个清单（manifest.json）中没有（或校验值不同）的存储文件，拒绝恢复：",
                                    "The backup's database records {count} stored files its manifest "
                                    "(manifest.json) lacks or lists with another checksum; refused:"),
    "site.restore.write_failed": ("恢复时无法写入或读取 {path}：{detail}",
                                  "The restore could not write or read {path}: {detail}"),
    "site.restore.missing_at_backup": ("{count} 个文件在备份时已从存储区缺失，未备份，也未恢复（dangan fixity 会列出）：",
                                       "{count} files were missing from the storage when the backup "
                                       "ran and were neither backed up nor restored (dangan fixity "
                                       "lists them):"),
    "site.restore.target_not_empty": ("目标数据库模式 {schema} 中已有项目，拒绝覆盖",
                                      "The target schema {schema} already holds a project; refused"),
    "site.restore.folder_not_empty": ("目标目录 {path} 已存在且不为空，拒绝恢复：请指定一个不存在的或空的目录",
                                      "The target folder {path} exists and is not empty; refused: "
                                      "name a folder that does not exist or is empty"),
    "site.restore.busy": ("另一个恢复正在写入 {path}，请待其结束后再运行",
                          "Another restore is writing into {path}; run again when it has finished"),
    "site.cleanup.event_remarks": ("{host}:{folder}：删除 {count} 个文件（{mb} MB，逐个校验一致；清单见 --json）",
                                   "{host}:{folder}: {count} file(s) deleted ({mb} MB, each verified; "
                                   "the list in --json)"),
    "site.restore.inside_project": ("不能恢复到 {path}：它位于项目 {project} 的目录或存储区内。请另选一个新目录",
                                    "Cannot restore into {path}: it lies inside the home or storage of the "
                                    "project at {project}. Choose a new folder elsewhere"),
    "site.restore.inside_backup": ("不能恢复到 {path}：它位于备份 {backup} 之内。请另选一个新目录",
                                   "Cannot restore into {path}: it lies inside the backup {backup}. "
                                   "Choose a new folder elsewhere"),
    "site.restore.skipped_damaged": ("备份 {backup} 中 {count} 个文件的内容已损坏或缺失，未恢复（未写入任何损坏的文件）：数据库与其余文件已恢复；"
                                     "dangan fixity 会将这些文件列为缺失，请从扫描站或其他备份取回",
                                     "{count} file(s) are damaged or lost in the backup {backup} and were not "
                                     "restored (no damaged file was written): the database and every other "
                                     "file are restored; dangan fixity lists these as missing: get them "
                                     "from the scan station or another backup"),
    "site.restore.earlier_copy": ("{count} 个文件在备份时已在存储区中损坏或缺失；恢复的是备份中保有的、较早备份时核对过的内容（与数据库记录的校验值一致）：",
                                  "{count} file(s) were damaged or missing in the storage when the backup "
                                  "ran; what was restored is the content an earlier backup copied and "
                                  "verified (it matches the checksum the database records):"),
    "site.restore.incomplete": ("恢复的项目缺少 {count} 个文件（备份时已损坏，未备份）：其余已恢复；请用 dangan fixity 核对，"
                                "并从扫描站或更早的备份取回这些文件",
                                "The restored project lacks {count} file(s) (damaged when the backup ran, "
                                "not backed up): the rest is restored; check it with dangan fixity and "
                                "get those files from the scan station or an earlier backup"),
    "site.blank_path": ("{name} 为空：请给出目录（空参数会被当作当前目录）",
                        "{name} is empty: give a folder (an empty argument would mean the current "
                        "directory)"),
    "site.restore.interrupted": ("此前恢复到 {path} 的操作在写入数据库模式 {schema} 之后中断：请确认无人使用该模式，由超级用户清空它（DROP SCHEMA … CASCADE 后重新创建），再重新运行恢复",
                                 "An earlier restore into {path} stopped after filling the schema "
                                 "{schema}: make sure nobody uses that schema, have the superuser "
                                 "empty it (DROP SCHEMA … CASCADE, then create it again) and run the "
                                 "restore again"),
    "site.restore.db_unreachable": ("无法连接目标数据库 {url}：{detail}",
                                    "Cannot reach the target database {url}: {detail}"),
    "site.restore.schema_not_empty": ("目标数据库模式 {schema} 中已有 {count} 个表，拒绝恢复：请用空的模式",
                                      "The target schema {schema} already holds {count} tables; refused: "
                                      "use an empty schema"),
    "site.restore.schema_missing": ("目标数据库模式 {schema} 不存在，且当前用户无权在数据库 {database} 中创建模式：请先由数据库管理员创建该模式（见 deploy/README.md 第 6 节）",
                                    "The target schema {schema} does not exist and this role may not "
                                    "create a schema in the database {database}: have the database "
                                    "administrator create it first (deploy/README.md, section 6)"),
    "site.restore.password_left_out": ("数据库密码未写入 {home}/dangan.toml：请用环境变量 DANGAN_DATABASE_URL 或 ~/.pgpass 提供密码",
                                       "The database password was not written to {home}/dangan.toml: "
                                       "give it by DANGAN_DATABASE_URL or ~/.pgpass"),
    "site.restore.done": ("已恢复到 {home}：备份 {snapshot}，数据库 {database}，文件 {files} 个。请运行 dangan fixity 核对。",
                          "Restored into {home}: backup {snapshot}, {database} database, {files} files. "
                          "Run dangan fixity to check."),
    "site.restore.not_backed_up": ("{count} 个文件在备份时已与记录不符，未备份，也未恢复（dangan fixity 会列出）：",
                                   "{count} files differed from their record when the backup ran and "
                                   "were neither backed up nor restored (dangan fixity lists them):"),
    "site.restore.sheets": ("已按恢复的数据库重建 {count} 份电子档案信息跟踪表",
                            "Rebuilt {count} tracking sheet(s) from the restored database"),
    "site.restore.unfinished": ("{count} 卷在备份时入库未完成，恢复后仍为未完成：{codes}；请对其扫描文件夹重新运行 dangan ingest 补全",
                                "{count} volume(s) had an unfinished ingest when the backup ran and are "
                                "still unfinished: {codes}; run dangan ingest again on their scan folders"),
    # --- the local-copy rule ---
    "site.cleanup.inside_storage": ("扫描目录 {path} 与存储区 {storage} 重叠，拒绝执行：存储区的文件永不由 cleanup 删除",
                                    "The scan folder {path} overlaps the storage {storage}; refused: "
                                    "cleanup never deletes stored files"),
    "site.cleanup.storage_alias": ("{path} 就是存储区的 {stored}（同一设备、同一 inode：同一存储经另一挂载点、绑定挂载或硬链接到达），拒绝执行：存储区的文件永不由 cleanup 删除",
                                   "{path} is the storage's {stored} (same device and inode: the same "
                                   "storage reached through another mount, a bind mount or a hard link); "
                                   "refused: cleanup never deletes stored files"),
    "site.cleanup.storage_failed": ("{count} 个案卷目录因存储区校验不通过而保留（存储文件缺失或被改动，或入库未完成）：请运行 dangan fixity",
                                    "{count} volume folder(s) kept because the storage does not verify "
                                    "(a stored file missing or changed, or an unfinished ingest): run "
                                    "dangan fixity"),
    "site.cleanup.volume_folder": ("{path} 是案卷 {code} 的目录（其中是页面文件），不是扫描根目录：请给出扫描工作站的扫描根目录，"
                                   "即存放各案卷目录的目录（如 {parent}）",
                                   "{path} is the folder of the volume {code} (it holds page files), not "
                                   "the scan root: give the scan station's root, the folder that holds "
                                   "the volume folders (such as {parent})"),
    "site.cleanup.no_root": ("扫描目录 {path} 不存在", "The scan folder {path} does not exist"),
    "site.cleanup.dry_run": ("试运行：未删除任何文件。加 --apply 删除标为“可删除”的目录。",
                             "Dry run: nothing deleted. Add --apply to delete the folders marked deletable."),
    "site.cleanup.summary": ("本地目录 {total} 个：可删除/已删除 {go} 个，保留 {stay} 个",
                             "{total} local folders: {go} deletable/deleted, {stay} kept"),
    "site.cleanup.reason.deletable": ("可删除：各环节已签字、已还卷，{files} 个存储文件校验一致，本地 {local} 个文件均与入库时一致",
                                      "deletable: every stage signed, returned, {files} stored files verify, "
                                      "the {local} local files are what was ingested"),
    "site.cleanup.reason.deleted": ("已删除（{files} 个文件），已记入审计记录",
                                    "deleted ({files} files), recorded in the audit trail"),
    "site.cleanup.reason.unknown_volume": ("保留：目录名不是本项目的案卷", "kept: the folder names no volume of this project"),
    "site.cleanup.reason.not_a_volume": ("保留：不是案卷目录（目录名不符合命名规则，其中也没有案卷目录）",
                                         "kept: not a volume folder (its name does not follow the naming "
                                         "rule and it holds no volume folder)"),
    "site.cleanup.reason.work_batch_folder": ("保留：这是工作小批次 {name} 的目录，其中已没有案卷目录；cleanup 只删除案卷目录，空的小批次目录可手工删除",
                                              "kept: the work-batch folder {name}, no volume folder "
                                              "left in it; cleanup deletes volume folders only "
                                              "(remove an emptied work-batch folder by hand)"),
    "site.cleanup.reason.loose_files": ("保留：不是案卷目录，其中有散放的文件（如 {name}）；其中的案卷目录分别判断",
                                        "kept: not a volume folder, it holds loose files (e.g. {name}); "
                                        "its volume folders are decided one by one"),
    "site.cleanup.reason.symlink": ("保留：这是符号链接，cleanup 不跟随链接，也不删除",
                                    "kept: a symbolic link; cleanup neither follows nor deletes links"),
    "site.cleanup.reason.not_borrowed": ("保留：案卷尚未借出（“{stage}”），未经过各环节",
                                         "kept: the volume has not been borrowed yet ({stage}); no stage is signed"),
    "site.cleanup.reason.not_done": ("保留：案卷尚在“{stage}”环节，未完成全部环节",
                                     "kept: the volume is still at {stage}; not every stage is signed"),
    "site.cleanup.reason.not_returned": ("保留：案卷尚未还卷", "kept: the volume has not been returned"),
    "site.cleanup.reason.no_files": ("保留：存储区没有该案卷的文件", "kept: the storage holds no file of this volume"),
    "site.cleanup.reason.fixity_failed": ("保留：{count} 个存储文件中 {bad} 个校验不一致或缺失（如 {first}）",
                                          "kept: {bad} of {count} stored files are missing or differ "
                                          "from their checksum (e.g. {first})"),
    "site.cleanup.reason.ingest_unfinished": ("保留：该案卷入库未完成（存储区没有其跟踪表 {sheet}，或入库的待完成标记仍在）；请对其扫描目录重新运行 dangan ingest",
                                              "kept: the volume's ingest is unfinished (its tracking "
                                              "sheet {sheet} is not in the storage, or ingest's pending "
                                              "marker is still there); run dangan ingest again on its "
                                              "scan folder"),
    "site.cleanup.reason.unfinished_run": ("保留：{name} 是 dangan 未完成的操作留下的（重新编号的日志或暂存页面、临时文件；共 {count} 个），请先重新运行该操作",
                                           "kept: {name} was left by a dangan run that did not finish "
                                           "(a renumber's journal or staged page, a temporary file; "
                                           "{count} such files); run it again first"),
    "site.cleanup.reason.unfinished_run.one": ("保留：{name} 是 dangan 未完成的操作留下的（重新编号的日志或暂存页面、临时文件；共 {count} 个），请先重新运行该操作",
                                               "kept: {name} was left by a dangan run that did not "
                                               "finish (a renumber's journal or staged page, a "
                                               "temporary file; {count} such file); run it again first"),
    "site.cleanup.reason.removed_pages": ("保留：{name} 中是重新编号时取出的页面（从未入库）；确认不再需要后可手工删除",
                                          "kept: {name} holds the pages renumber took out (never "
                                          "stored); delete them by hand once sure they are not needed"),
    "site.cleanup.reason.not_stored": ("保留：本地文件 {name} 未入库（存储区没有该案卷的同名页面；共 {count} 个此类文件）",
                                       "kept: the local file {name} was never stored (no stored page of "
                                       "this volume has its name; {count} such files)"),
    "site.cleanup.reason.not_stored.one": ("保留：本地文件 {name} 未入库（存储区没有该案卷的同名页面；共 {count} 个此类文件）",
                                           "kept: the local file {name} was never stored (no stored "
                                           "page of this volume has its name; {count} such file)"),
    "site.cleanup.reason.differs": ("保留：本地文件 {name} 与入库的原件不一致（SHA-256 不同；共 {count} 个此类文件）",
                                    "kept: the local file {name} differs from its stored master (SHA-256; "
                                    "{count} such files)"),
    "site.cleanup.reason.differs.one": ("保留：本地文件 {name} 与入库的原件不一致（SHA-256 不同；共 {count} 个此类文件）",
                                        "kept: the local file {name} differs from its stored master "
                                        "(SHA-256; {count} such file)"),
    "site.cleanup.reason.other_entry": ("保留：{name} 是子目录、链接或特殊文件（共 {count} 个），不会删除",
                                        "kept: {name} is a subfolder, link or special file ({count} such "
                                        "entries); never deleted"),
    "site.cleanup.reason.other_entry.one": ("保留：{name} 是子目录、链接或特殊文件（共 {count} 个），不会删除",
                                            "kept: {name} is a subfolder, link or special file ({count} "
                                            "such entry); never deleted"),
    "site.cleanup.reason.unreadable": ("保留：本地文件 {name} 无法读取（{detail}；共 {count} 个此类文件）",
                                       "kept: the local file {name} cannot be read ({detail}; {count} such files)"),
    "site.cleanup.reason.unreadable.one": ("保留：本地文件 {name} 无法读取（{detail}；共 {count} 个此类文件）",
                                           "kept: the local file {name} cannot be read ({detail}; "
                                           "{count} such file)"),
    "site.cleanup.reason.changed": ("保留：核对后目录有变化（{name}），本次未删除，请重新运行",
                                    "kept: the folder changed after its check ({name}); nothing deleted, run again"),
    "site.cleanup.reason.delete_failed": ("保留目录：删除 {name} 失败（{detail}）；已删除的 {files} 个文件已记入审计记录",
                                          "folder kept: deleting {name} failed ({detail}); the {files} files "
                                          "deleted are recorded in the audit trail"),
    "site.cleanup.reason.busy": ("保留：{holder}；本次未核对、未删除，待其结束后再运行 cleanup",
                                 "kept: {holder}; neither checked nor deleted this time: run cleanup "
                                 "again when it has finished"),
    "site.cleanup.busy_ingest": ("此项目正在入库（主机 {host}，进程 {pid}，开始于 {since}）",
                                 "an ingest of this project is running (host {host}, process {pid}, "
                                 "since {since})"),
    "site.cleanup.busy_folder": ("另一个进程（重新编号或热文件夹入库）正在使用该目录",
                                 "another process (a renumber or the ingest watcher) is working in "
                                 "the folder"),
    "site.cleanup.removed_pages_confirm": ("保留：{name} 中有 {count} 个重新编号时取出的页面（从未入库，下列各附 SHA-256）；"
                                           "经人核对后，可用 cleanup --apply --include-removed -w 姓名 随目录一并删除，逐个记入审计记录",
                                           "kept: {name} holds {count} page(s) renumber took out (never "
                                           "stored; listed with their SHA-256); once a person has checked "
                                           "them, cleanup --apply --include-removed -w NAME deletes them "
                                           "with the folder, each recorded in the audit trail"),
    "site.cleanup.removed_included": ("其中 {count} 个是重新编号时取出的页面（--include-removed：经 {who} 确认随目录删除）",
                                      "{count} of them are pages renumber took out (--include-removed: "
                                      "confirmed by {who} to go with the folder)"),
    "cli.opt.cleanup.include_removed": ("重新编号时取出的页面（.dangan-removed/，试运行列出其 SHA-256）经核对可随目录一并删除，逐个记入审计记录",
                                        "the pages renumber took out (.dangan-removed/, listed with their "
                                        "SHA-256 by the dry run) have been checked and may go with the "
                                        "folder, each recorded in the audit trail"),
    "site.cleanup.same_share": ("扫描目录 {path} 与存储区 {storage} 位于同一网络共享 {source} 的重叠位置（该共享另挂载于 {mount}），拒绝执行：存储区的文件永不由 cleanup 删除",
                                "The scan folder {path} and the storage {storage} lie in overlapping "
                                "places of one network share {source} (also mounted at {mount}); "
                                "refused: cleanup never deletes the storage's files"),
    "site.cleanup.storage_same_file": ("{path} 就是存储区的 {stored}（inode 号、大小和修改时间完全相同：同一存储经另一挂载点到达，设备号不同），拒绝执行：存储区的文件永不由 cleanup 删除",
                                       "{path} is the storage's {stored} (same inode number, size and "
                                       "modification time: the same storage reached through another "
                                       "mount with another device number); refused: cleanup never "
                                       "deletes the storage's files"),
    "site.cleanup.need_worker": ("删除本地副本须用 -w 指定操作人", "Deleting local copies needs the person: -w NAME"),
    # --- help texts ---
    "cli.help.backup": ("备份项目（生产线运行中亦可）：数据库的一致副本（SQLite 在线备份 / pg_dump）、全部存储文件及其校验清单；"
                        "同一备份目录再次备份时只复制新的或变更的文件。",
                        "Back up the project while the line works: a consistent database copy (SQLite "
                        "online backup / pg_dump), every stored file and a manifest of checksums; a "
                        "second backup into the same folder copies only new or changed files."),
    "cli.help.restore": ("从备份恢复到新的项目目录（PostgreSQL 备份用 --database-url 指定目标库/模式）。"
                         "只写入这两处，不理会环境变量 DANGAN_STORAGE_URL、DANGAN_DATABASE_URL。",
                         "Restore a backup into a new project home (a PostgreSQL backup into the "
                         "database / schema of --database-url). Writes only there, never where "
                         "DANGAN_STORAGE_URL or DANGAN_DATABASE_URL point."),
    "cli.help.cleanup": ("本地副本规则：扫描工作站的案卷目录仅在各环节已签字、已还卷、存储文件全部校验一致，"
                         "且目录中每个页面文件都与入库的原件一致（SHA-256）时才可删除；有未入库、被改动或其他文件的目录保留。"
                         "默认试运行，列出每个目录及原因；--apply 才删除，并把目录和删除的文件（名称、校验值）记入审计记录。",
                         "The local-copy rule: a scan station's volume folder may go only when every stage "
                         "is signed, the volume is returned, every stored file verifies and every page file "
                         "in the folder is the one ingested (SHA-256); a folder with a file never stored, "
                         "changed or of another kind stays. A dry run by default lists each folder and why; "
                         "--apply deletes, recording the folder and each deleted file (name, checksum) in "
                         "the audit trail."),
    "cli.opt.backup.out": ("备份目录（不可在存储区内）", "Backup folder (not inside the storage)"),
    "cli.opt.backup.verify": ("重新计算备份中已有文件的校验值（默认只核对大小）；损坏的从存储区重新复制",
                              "Re-hash the files the backup already holds (by default only their "
                              "size is checked); damaged ones are copied again from the storage"),
    "cli.opt.restore.out": ("备份目录", "Backup folder"),
    "cli.opt.restore.dest": ("新的项目目录（须不存在或为空）", "New project home (must not exist, or be empty)"),
    "cli.opt.restore.database_url": ("PostgreSQL 目标库 URL（可带 options=-csearch_path=模式；密码不写入 dangan.toml，请用 ~/.pgpass）",
                                     "Target PostgreSQL URL (may carry options=-csearch_path=SCHEMA; "
                                     "no password is written to dangan.toml: use ~/.pgpass)"),
    "cli.opt.restore.snapshot": ("要恢复的备份名（默认最新）", "Backup to restore (default: the latest)"),
    "cli.opt.restore.skip_damaged": ("备份中损坏或缺失的文件不恢复而逐个列出，其余照常恢复（退出码 8）",
                                     "Leave out files damaged or lost in the backup, naming each, and "
                                     "restore the rest (exit code 8)"),
    "cli.opt.cleanup.scan_root": ("扫描工作站的本地扫描目录", "The scan station's local scan folder"),
    "cli.opt.cleanup.apply": ("确实删除（默认只试运行）", "Really delete (default: dry run)"),
    "cli.opt.cleanup.worker": ("操作人（扫描员或项目经理；--apply 时必填）",
                               "Person (scan operator or project manager; required with --apply)"),
}
