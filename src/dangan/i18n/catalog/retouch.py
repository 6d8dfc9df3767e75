"""Messages of the retouch engine (修图): CLI, report, defects."""

MESSAGES: dict[str, tuple[str, str]] = {
    "retouch.help": ("修图：纠偏、倒页、去黑边、去装订孔、A4 输出，并自动质检每一页",
                     "Retouch: deskew, orientation, borders, holes, A4 output, with automatic page QC"),
    "retouch.no_source": ("源目录 {path} 不存在", "Source folder {path} does not exist"),
    "retouch.no_pages": ("{path} 下没有图像文件", "No page images under {path}"),
    "retouch.need_paths": ("请给出 SRC 和 DST，或用 -p 指定项目（也可设置 DANGAN_PROJECT，或在含 dangan.toml 的项目目录中运行）",
                           "Give SRC and DST, or the project with -p (or set DANGAN_PROJECT, or run "
                           "in the project home holding dangan.toml)"),
    "retouch.bad_page_size": ("未知的页面尺寸 {value}，可选：{choices}",
                              "Unknown page size {value}; choose from: {choices}"),
    "retouch.bad_option": ("选项 {name} 的值 {value} 无效", "Invalid value {value} for {name}"),
    "retouch.progress": ("修图", "Retouching"),
    "retouch.summary": ("共 {pages} 页：完成 {ok}，有问题 {defect}，失败 {failed}，跳过 {skipped}；"
                        "{seconds:.1f} 秒，{rate:.1f} 页/秒（{workers} 个进程）",
                        "{pages} pages: {ok} ok, {defect} with defects, {failed} failed, "
                        "{skipped} skipped; {seconds:.1f} s, {rate:.1f} pages/s ({workers} workers)"),
    "retouch.progress_rate": ("{rate} 页/秒", "{rate} pages/s"),
    "retouch.summary_all_kept": ("共 {pages} 页，均已由此前的运行修过，本次全部跳过，保留原有输出"
                                 "（未重做，用 --force 可全部重做）；用时 {seconds:.1f} 秒",
                                 "{pages} pages, all retouched by an earlier run: every one "
                                 "skipped, its output kept (none done again; --force redoes "
                                 "them); {seconds:.1f} s"),
    "retouch.kept_flagged": ("跳过的页面中有 {count} 页此前发现问题（输出由同一来源、同一选项修成，"
                             "未重做），照上次的发现列出：{names}",
                             "{count} skipped page(s) had findings when retouched before (the "
                             "output was made from the same source with the same options, not "
                             "done again); listed as found then: {names}"),
    "retouch.ignored_hidden": ("{count} 个隐藏文件或文件夹（名称以“.”开头）未处理：{files}",
                               "{count} hidden file(s) or folder(s) (names starting with “.”) "
                               "were not retouched: {files}"),
    "retouch.ignored_backup": ("{count} 个文件是另存的备份副本（.bak、~ 等），未处理：{files}",
                               "{count} file(s) are backup copies (.bak, ~ …) and were not "
                               "retouched: {files}"),
    "retouch.defect.file_warning": ("读取时图像库告警", "image library warning"),
    "retouch.why.file_warning": ("读取文件时图像库告警：{message}（文件可能部分损坏，请查看这一页）",
                                 "the image library warned while reading the file: {message} "
                                 "(the file may be partly damaged; look at this page)"),
    "retouch.defect_line": ("{code}（{name}）：{count} 页", "{code} ({name}): {count} pages"),
    "retouch.defect_line_findings": ("{code}（{name}）：{count} 页（共 {findings} 处）",
                                     "{code} ({name}): {count} pages ({findings} findings)"),
    "retouch.report_written": ("报告已写入 {path}", "Report written to {path}"),
    "retouch.batch_done": ("批次 {batch}：{volumes} 卷 {pages} 页已修图，签字人 {user}",
                           "Batch {batch}: {volumes} volumes, {pages} pages retouched, signed by {user}"),
    "retouch.no_batch_pages": ("项目中没有待修图的页面", "No scanned pages waiting for retouch in the project"),
    "retouch.signoff_remarks": ("自动修图 {pages} 页，质检发现 {defects} 处问题",
                                "Retouched {pages} pages automatically; QC found {defects} issue(s)"),
    "retouch.volume_signed": ("案卷 {code}：已签“{stage}”（{user}）——{pages} 页，自动质检发现 {defects} 处问题",
                              "Volume {code}: “{stage}” signed ({user}) — {pages} pages, automatic QC found {defects} issue(s)"),
    "retouch.volumes_already_signed": ("{count} 卷此前已修图并签字，未重复记录：{codes}",
                                       "{count} volume(s) retouched and signed before, nothing recorded again: {codes}"),
    "retouch.resumed": ("续做：{kept} 页此前已修图并记录，保留未重做（其中整卷 {volumes} 卷）；"
                        "本次修图 {done} 页，其中 {redone} 页上次中断时已写出但未记录，已重做",
                        "Resumed: {kept} page(s) retouched and recorded by an earlier run were "
                        "kept ({volumes} whole volume(s)); {done} page(s) retouched in this run, "
                        "{redone} of them written but not recorded by an interrupted run"),
    "retouch.defect.skew": ("偏斜", "skew"),
    "retouch.defect.upside_down": ("倒页/方向", "upside down / orientation"),
    "retouch.defect.black_border": ("黑边", "black border"),
    "retouch.defect.hole": ("装订孔", "binding hole"),
    "retouch.defect.blurred": ("模糊", "blurred"),
    "retouch.defect.content_at_edge": ("内容贴边（可能裁切）", "content at the edge (cut risk)"),
    "retouch.defect.blank_page": ("空白页", "blank page"),
    "retouch.defect.unreadable": ("无法读取的图像", "unreadable image"),
    "retouch.pages_failed": ("{count} 页未能修图，未写出：{names}",
                             "{count} page(s) could not be retouched and were not written: "
                             "{names}"),
    "retouch.storage_failed": ("存储故障：{count} 页未能写出（{path}）：{names}。已完成的页已记录；"
                               "排除故障后重新运行 dangan retouch，只做未完成的页",
                               "Storage fault: {count} page(s) could not be written ({path}): "
                               "{names}. The pages done are recorded; fix the storage, then "
                               "run dangan retouch again to do only the rest"),
    "retouch.volume_failed_run": ("案卷 {code}：未签“{stage}”——{count} 页因存储或处理进程故障未能修图"
                                  "（第 {pages} 页），不是页面本身的问题，不记为缺陷；排除故障后重新运行 "
                                  "dangan retouch",
                                  "Volume {code}: “{stage}” not signed — {count} page(s) could "
                                  "not be retouched because of a storage or worker fault (page "
                                  "{pages}), not the pages' own: no defect recorded; fix the "
                                  "fault, then run dangan retouch again"),
    "retouch.pages_failed_line": ("{path}：{why}", "{path}: {why}"),
    "retouch.dpi_file": ("分辨率：{count} 页按文件记录的分辨率处理（{dpis}）",
                         "Resolution: {count} page(s) read at the file's own dpi ({dpis})"),
    "retouch.dpi_fallback_project": ("分辨率：{count} 页的文件未记录分辨率或记录不合理，按项目扫描分辨率 "
                                     "{dpi} dpi（scan.dpi）处理：{names}",
                                     "Resolution: {count} page(s) had no plausible dpi of their "
                                     "own and were read at the project's scan dpi {dpi} "
                                     "(scan.dpi): {names}"),
    "retouch.dpi_fallback_folder": ("分辨率：{count} 页的文件未记录分辨率或记录不合理，按 {dpi} dpi 处理"
                                    "（可用 --dpi 指定）：{names}",
                                    "Resolution: {count} page(s) had no plausible dpi of their "
                                    "own and were read at {dpi} dpi (set it with --dpi): {names}"),
    "retouch.dpi_size": ("分辨率：{count} 页的整张纸占满画面，像素正好是常用纸张在常用分辨率下的尺寸，"
                         "文件记录的分辨率与之不符或未记录，按像素推定的分辨率处理（{dpis}）：{names}",
                         "Resolution: {count} page(s) whose sheet fills the frame are exactly a "
                         "usual paper size at a usual dpi that their file does not say; read at "
                         "that dpi ({dpis}): {names}"),
    "retouch.dpi_option": ("分辨率：{count} 页按 --dpi {dpi} 处理（不看文件记录的分辨率）",
                           "Resolution: {count} page(s) read at --dpi {dpi} (the files' own dpi "
                           "not used)"),
    "retouch.dpi_each": ("{dpi} dpi {count} 页", "{count} at {dpi} dpi"),
    "retouch.volume_failed_pages": ("案卷 {code}：未签“{stage}”——{count} 页无法修图（第 {pages} 页，"
                                    "见上表）；请重扫或换上可读的原件后重新运行 dangan retouch",
                                    "Volume {code}: “{stage}” not signed — {count} page(s) could "
                                    "not be retouched (page {pages}, listed above); rescan them or "
                                    "put a readable master in place, then run dangan retouch again"),
    "retouch.signed_with_errors": ("案卷 {code}：已签字，但自动质检的 {count} 处错误级问题仍未解决（第 {pages} 页，"
                                   "见上表）。按流程，修图签字不等待这些问题：质检抽样（dangan qc sample）时，"
                                   "未解决的错误会先作为返工退回给该问题所属工序的签字人（如黑边退回修图、模糊退回扫描），之后才抽样；现在即可在修图台"
                                   "（/retouch）查看这些页",
                                   "Volume {code}: signed, but {count} error-level finding(s) of "
                                   "the automatic QC are still open (page {pages}, listed above). "
                                   "By design the retouch sign-off does not wait for them: when QC "
                                   "draws its sample (dangan qc sample), open errors first go back "
                                   "as rework to whoever signed the stage each belongs to (a black "
                                   "border to retouch, a blurred page to scanning), and only then is the "
                                   "sample drawn; you can look at these pages now on the retouch "
                                   "desk (/retouch)"),
    "retouch.run_failed_line": ("未能修图（存储或处理进程故障，不是页面的缺陷，不记为缺陷）：{count} 页",
                                "not retouched (a storage or worker fault, not a defect of the "
                                "page, none recorded): {count} pages"),
    "retouch.record_failed_remarks": ("{pages} 页中 {failed} 页未能修图（其中 {run_failed} 页因存储或处理进程"
                                      "故障，不记为缺陷）；本卷未完成",
                                      "{failed} of {pages} pages not retouched ({run_failed} of "
                                      "them by a storage or worker fault, no defect recorded); "
                                      "the volume is not done"),
    "retouch.storage_lost_progress": ("本次修好 {done} 页，其中已记录 {recorded} 页（{volumes} 卷：{codes}）；"
                                      "未记录的页在存储恢复后重新运行 dangan retouch 时再做",
                                      "This run retouched {done} page(s), of which {recorded} are "
                                      "recorded ({volumes} volume(s): {codes}); the pages not "
                                      "recorded are done again when dangan retouch is run once the "
                                      "storage is back"),
    "compute.scheduler_unreachable": ("无法连接 Dask 调度器 {address}：{detail}。请确认调度器（dask scheduler）"
                                      "已启动、地址和端口正确、网络可达；或不用 --scheduler，在本机处理",
                                      "Cannot reach the Dask scheduler at {address}: {detail}. Check "
                                      "that the scheduler (dask scheduler) is running, the address "
                                      "and port are right and the network lets it through; or run "
                                      "without --scheduler on this machine"),
}
