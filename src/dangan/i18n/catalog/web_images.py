"""Messages of image work in the browser: the page viewer, QC, retouch, indexing and scan desks."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- viewer ---
    "web_images.no_volume": ("案卷不存在：{volume}", "No such volume: {volume}"),
    "web_images.no_page": ("案卷 {volume} 没有第 {page} 页的图像。",
                           "Volume {volume} has no image of page {page}."),
    "web_images.bad_kind": ("不支持的图像类型：{kind}", "Unsupported image kind: {kind}"),
    "web_images.bad_version": ("没有这个页面版本：{version}（可选：{choices}）",
                               "No such page version: {version} (choices: {choices})"),
    "web_images.viewer.title": ("图像浏览：{code}", "Pages of {code}"),
    "web_images.viewer.page": ("第 {page} 页", "Page {page}"),
    "web_images.viewer.prev": ("上一页", "Previous page"),
    "web_images.viewer.next": ("下一页", "Next page"),
    "web_images.viewer.zoom_in": ("放大", "Zoom in"),
    "web_images.viewer.zoom_out": ("缩小", "Zoom out"),
    "web_images.viewer.home": ("适合窗口", "Fit"),
    "web_images.viewer.rotate": ("旋转视图", "Rotate view"),
    "web_images.viewer.full": ("全屏", "Full screen"),
    "web_images.viewer.keys": ("键盘：PageUp/PageDown 或 ←/→ 翻页，+/- 缩放，R 旋转，F 全屏",
                               "Keys: PageUp/PageDown or ←/→ to page, +/- zoom, R rotate, "
                               "F full screen"),
    "web_images.viewer.no_pages": ("此案卷尚无页面图像。", "This volume has no page images yet."),
    "web_images.viewer.open": ("查看图像", "View pages"),
}
MESSAGES.update({
    # --- QC desk ---
    "qc.bad_cause": ("原因应为 worker（加工差错）或 original（原卷错误），实际为 {cause}",
                     "Cause must be worker or original, got {cause}"),
    "qc.bad_box": ("标记框无效：{box}（应为页面像素 x,y,宽,高）",
                   "Invalid box: {box} (page pixels x,y,width,height)"),
    "web_images.nav.qc": ("质检台", "QC desk"),
    "web_images.nav.rework": ("返工", "Rework"),
    "web_images.qc.title": ("质检台", "QC desk"),
    "web_images.qc.batch_title": ("质检：{code}", "QC of {code}"),
    "web_images.qc.none": ("没有等待质检的小批次。", "No batch waiting for QC."),
    "web_images.qc.batch": ("小批次", "Batch"),
    "web_images.qc.level": ("质检级别", "QC level"),
    "web_images.qc.status": ("状态", "Status"),
    "web_images.qc.holder": ("领取人", "Held by"),
    "web_images.qc.claim": ("领取质检", "Claim for QC"),
    "web_images.qc.claimed": ("已领取 {code}。", "Claimed {code}."),
    "web_images.qc.seed": ("随机种子（可留空）", "Seed (optional)"),
    "web_images.qc.draw": ("抽样", "Draw the sample"),
    "web_images.qc.bad_seed": ("随机种子应为数字：{seed}", "The seed must be a number: {seed}"),
    "web_images.qc.drawn": ("已抽样 {size} 项（种子 {seed}）。", "Drew {size} units (seed {seed})."),
    "web_images.qc.sent_back": ("自动检查发现的 {count} 个问题已退回返工，暂不抽样。",
                                "{count} automatic-check defects went back as rework; no "
                                "sample yet."),
    "web_images.qc.inspection": ("第 {round} 轮：样本 {size} / 总体 {population}，种子 {seed}",
                                 "Round {round}: sample {size} of {population}, seed {seed}"),
    "web_images.qc.sample": ("样本", "Sample"),
    "web_images.qc.open_volume": ("打开", "Open"),
    "web_images.qc.defects": ("已记录的问题", "Defects recorded"),
    "web_images.qc.decide": ("判定（按合格率规则）", "Decide (pass-rate rule)"),
    # the figures as the desk's verdict line says them: never "rate (defective/inspected)",
    # read as passed/inspected
    # ({inspected}: qc.inspected_units / qc.inspected_with_outside, the unit named)
    "web_images.qc.passed": ("合格：合格率 {rate}（抽检 {inspected}，不合格 {defective} 项），"
                             "已签字进入下一环节。",
                             "Passed: pass rate {rate} (inspected {inspected}, {defective} "
                             "defective); signed and moved on."),
    "web_images.qc.failed": ("不合格或有问题待返工：合格率 {rate}（抽检 {inspected}，"
                             "不合格 {defective} 项）。",
                             "Failed or rework pending: pass rate {rate} (inspected "
                             "{inspected}, {defective} defective)."),
    "web_images.qc.decision": ("判定", "Decision"),
    "web_images.qc.to_verify": ("待复检的返工", "Reworks to re-inspect"),
    "web_images.qc.recheck_title": ("待复检的返工（小批次已过质检，如验收发现的问题）",
                                    "Reworks to re-inspect (batch past QC, e.g. found at the "
                                    "client's acceptance)"),
    "web_images.qc.recheck_none": ("没有待复检的返工。", "No rework waiting for re-inspection."),
    "web_images.qc.recheck_id": ("返工", "Rework"),
    "web_images.qc.recheck_by": ("返工人", "Reworked by"),
    "web_images.qc.recheck_open": ("去复检", "Re-inspect"),
    "web_images.qc.verify": ("复检通过", "Verified"),
    "web_images.qc.verify_remarks": ("复检备注（可不填）", "Remark (optional)"),
    "web_images.qc.decide_remarks": ("判定备注", "Verdict remark"),
    "web_images.qc.verified": ("返工 {id} 已复检。", "Rework {id} verified."),
    "web_images.qc.reject": ("复检不通过", "Reject"),
    "web_images.qc.reject_reason": ("仍有的问题", "What is still wrong"),
    "web_images.qc.rejected": ("返工 {id} 复检不通过，已退回 {assignee} 重新返工。",
                               "Rework {id} rejected; sent back to {assignee} again."),
    "web_images.qc.catalogue": ("卷内目录", "Catalogue"),
    "web_images.qc.mark": ("框选问题（M）", "Mark a box (M)"),
    "web_images.qc.type": ("问题类型", "Defect type"),
    "web_images.qc.cause": ("原因", "Cause"),
    "web_images.qc.cause.worker": ("加工差错", "Worker error"),
    "web_images.qc.cause.original": ("原卷错误", "Original-paper error"),
    "web_images.qc.note": ("说明", "Note"),
    "web_images.qc.box": ("标记框（页面像素）", "Box (page pixels)"),
    "web_images.qc.record": ("记录问题", "Record the defect"),
    "web_images.qc.defect_recorded": ("已记录：{label}（第 {page} 页），责任人 {responsible}。",
                                      "Recorded: {label} (page {page}), responsible "
                                      "{responsible}."),
    "web_images.qc.responsible": ("责任人", "Responsible"),
    "web_images.qc.page": ("页", "Page"),
    "web_images.qc.in_sample": ("样本页", "Sample pages"),
    "web_images.col.seq": ("件号", "No."),
    "web_images.col.title": ("题名", "Title"),
    "web_images.col.date": ("日期", "Date"),
    "web_images.col.pages": ("页次", "Pages"),
    # --- rework ---
    "web_images.rework.title": ("我的返工", "My rework"),
    "web_images.rework.none": ("没有待返工的项目。", "Nothing to rework."),
    "web_images.rework.reason": ("问题", "Problem"),
    "web_images.rework.found_by": ("发现人", "Found by"),
    "web_images.rework.open": ("查看标记", "See the mark"),
    "web_images.rework.one": ("返工 {id}：{code}", "Rework {id}: {code}"),
    "web_images.rework.mark_done": ("返工完成", "Rework done"),
    "web_images.rework.done": ("返工 {id} 已完成，等待复检。", "Rework {id} done; waiting for "
                               "re-inspection."),
})
MESSAGES.update({
    # --- retouch desk ---
    "retouch_fix.not_at_retouch": ("案卷 {volume} 不在修图环节，也没有分配给你的修图返工。",
                                   "Volume {volume} is not at retouch and has no retouch rework "
                                   "of yours."),
    "retouch_fix.no_page": ("案卷 {volume} 没有第 {page} 页。", "Volume {volume} has no page {page}."),
    "retouch_fix.bad_file": ("上传的文件不是可用的图像（{detail}）。",
                             "The uploaded file is not a usable image ({detail})."),
    "retouch_fix.too_large": ("上传的文件过大：上限为 {limit}，未保存。",
                              "The uploaded file is too large: the limit is {limit}; nothing saved."),
    "retouch_fix.too_many_pixels": ("上传的图像过大：{width}×{height} 像素，上限为 {limit} 百万像素，未保存。",
                                    "The uploaded image is too large: {width}×{height} pixels, "
                                    "the limit is {limit} megapixels; nothing saved."),
    "retouch_fix.unchanged": ("上传的文件与案卷 {volume} 第 {page} 页现有的修图结果完全相同（SHA-256 一致），不是修改后的版本；若此页无需修改，请用“接受此页”并写明原因。",
                              "The file is byte for byte the current retouched page {page} of volume {volume} (same SHA-256), not a fixed version; if the page needs no change, accept it as it is with a reason."),
    "retouch_fix.write_mismatch": ("写入后校验不符：{path}", "Checksum differs after writing: {path}"),
    "web_images.nav.retouch": ("修图台", "Retouch desk"),
    "web_images.retouch.title": ("修图台", "Retouch desk"),
    "web_images.retouch.none": ("没有在修图环节的小批次。", "No batch at retouch."),
    "web_images.retouch.batch_title": ("修图：{code}", "Retouch of {code}"),
    "web_images.retouch.run": ("运行自动修图", "Run retouch"),
    "web_images.retouch.started": ("已开始修图 {code}（{pages} 页）。", "Retouch of {code} started "
                                   "({pages} pages)."),
    "web_images.retouch.already_running": ("{code} 的修图正在运行。", "Retouch of {code} is "
                                           "already running."),
    "web_images.retouch.no_run": ("没有这个修图任务：{id}", "No such retouch run: {id}"),
    "web_images.scan.no_run": ("没有这个入库任务：{id}", "No such ingest run: {id}"),
    "web_images.retouch.run_done": ("修图完成：{pages} 页，签字 {signed} 卷。",
                                    "Retouch done: {pages} pages, {signed} volumes signed."),
    "web_images.retouch.run_state.running": ("进行中", "Running"),
    "web_images.retouch.run_state.done": ("已完成", "Done"),
    "web_images.retouch.run_state.failed": ("失败", "Failed"),
    "web_images.retouch.flags": ("标记", "Flags"),
    "web_images.retouch.compare": ("前后对比", "Before / after"),
    "web_images.retouch.before": ("修图前（原始图像）", "Before (master)"),
    "web_images.retouch.after": ("修图后", "After"),
    "web_images.retouch.accept": ("接受此页", "Accept this page"),
    "web_images.retouch.fixed_file": ("手工修好的文件", "Hand-fixed file"),
    "web_images.retouch.replace": ("替换此页", "Replace this page"),
    "web_images.retouch.accepted": ("第 {page} 页已接受（{waived} 个提示已免除）。",
                                    "Page {page} accepted ({waived} warnings waived)."),
    "web_images.retouch.replaced": ("第 {page} 页已替换为第 {version} 版（SHA-256 {sha}…）。",
                                    "Page {page} replaced by version {version} "
                                    "(SHA-256 {sha}…)."),
    "web_images.retouch.is_fixed": ("已手工替换", "Replaced by hand"),
    "web_images.retouch.is_accepted": ("已接受", "Accepted"),
})
MESSAGES.update({
    # --- indexing desk ---
    "web_images.nav.index": ("著录台", "Indexing desk"),
    "web_images.index.title": ("著录：{code}", "Indexing {code}"),
    "web_images.index.record": ("卷宗信息", "Volume record"),
    "web_images.index.entries": ("卷内目录", "Catalogue"),
    "web_images.index.keys": ("回车到下一格（最后一格回车新增一行），Alt+N 新增一行，Alt+S 保存；"
                              "依次点击首页、末页缩略图填写页次。",
                              "Enter moves on (Enter in the last cell adds a row), Alt+N adds a "
                              "row, Alt+S saves; click the first and last thumbnail to set the "
                              "pages."),
    "web_images.index.add_row": ("新增一行", "Add a row"),
    "web_images.index.valid": ("校验通过。", "No problems found."),
    "web_images.index.correction": ("更正原因（著录完成后修改时填写）",
                                    "Reason for a correction (after indexing)"),
    "web_images.index.save": ("保存", "Save"),
    "web_images.index.saved": ("已保存 {items} 条目录；签字 {signed} 卷。",
                               "Saved {items} items; {signed} volumes signed."),
})
MESSAGES.update({
    # --- scan station ---
    "web_images.nav.scan": ("扫描站", "Scan station"),
    "web_images.scan.root": ("扫描目录：{root}", "Scan folder: {root}"),
    "web_images.scan.pages": ("{count} 页", "{count} pages"),
    "web_images.scan.errors": ("{count} 个错误", "{count} errors"),
    "web_images.scan.clean": ("检查通过", "Clean"),
    "web_images.scan.nothing": ("扫描目录中没有案卷文件夹。", "No volume folder in the scan folder."),
    "web_images.scan.problems": ("扫描中发现的问题（每行一条）", "Problems seen while scanning "
                                 "(one a line)"),
    "web_images.scan.ingest": ("入库", "Ingest"),
    "web_images.scan.started": ("已开始入库 {count} 卷。", "Ingest of {count} volumes started."),
    "web_images.scan.no_entry": ("扫描目录中没有：{name}", "Not in the scan folder: {name}"),
})
MESSAGES.update({
    "web_images.scan.remove": ("删除此页（重扫/多扫）并重新编号", "Remove this page (rescan / extra) "
                               "and renumber"),
    "web_images.scan.insert_before": ("在此页之前插入漏扫页", "Insert a missed page before page"),
    "web_images.scan.insert": ("插入并重新编号", "Insert and renumber"),
    "web_images.scan.checking": ("正在检查扫描文件，检查结果稍后显示在此处……",
                                 "Checking the scanned files; the findings will show here…"),
    "web_images.scan.renumbered": ("{volume} 已重新编号，现有 {pages} 页。",
                                   "{volume} renumbered: {pages} pages now."),
    "web_images.scan.already_removed": ("{volume}：此页已删除（另一窗口已做过），未再删除；现有 {pages} 页。",
                                        "{volume}: this page was already removed (from another "
                                        "window); nothing removed again. {pages} pages now."),
    "web_images.scan.already_inserted": ("{volume}：此页已插入（另一窗口已做过），未再插入；现有 {pages} 页。",
                                         "{volume}: this page was already inserted (from "
                                         "another window); nothing inserted again. {pages} "
                                         "pages now."),
})
MESSAGES.update({
    # What the engine did (information, not a problem) and what a person has to look at.
    "web_images.retouch.flag.deskewed": ("已纠偏 {deg}°（修图前的倾斜，输出已摆正）",
                                         "deskewed by {deg}° (the tilt before retouch; the "
                                         "output is straight)"),
    "web_images.retouch.flag.deskewed_residual": ("已纠偏 {deg}°，纠偏后余 {after}°",
                                                  "deskewed by {deg}°, {after}° left after it"),
    "web_images.retouch.flag.turned": ("已转正（旋转 {deg}°）", "turned upright ({deg}°)"),
    "web_images.retouch.flag.holes": ("填补装订孔 {count} 处", "{count} binding holes filled"),
    "web_images.retouch.flag.error": ("错误：{words}", "error: {words}"),
    "web_images.retouch.review": ("需人工查看", "For a person to look at"),
    "web_images.retouch.info": ("自动修图已做的处理（供参考）", "What the retouch did (information)"),
    "web_images.retouch.holds": ("签字前须处理", "to settle before signing"),
    "web_images.retouch.flagged": ("{count} 页需人工查看", "{count} page(s) for a person to look at"),
    "web_images.retouch.informed": ("另 {count} 页仅有自动处理的说明", "{count} more page(s) with "
                                    "information only"),
    "web_images.retouch.held_title": ("等人查看、尚未签字的案卷", "Volumes waiting for a person, "
                                      "not signed"),
    "web_images.retouch.held_volume": ("{volume}：第 {pages} 页自动修图没有把握，原样保留",
                                       "{volume}: on pages {pages} the automatic retouch was "
                                       "not sure and left the page as it was"),
    "web_images.retouch.held_todo": ("逐页“前后对比”：无误就“接受此页”，否则“替换此页”上传手工修好的文件。"
                                     "都处理后，再按“运行自动修图”：已记录的页不会重做，这些卷即签字；"
                                     "小批次在所有案卷签字后才进入{next}。",
                                     "Open each page in “Before / after”: “Accept this page” "
                                     "when it is right, else “Replace this page” with a "
                                     "hand-fixed file. Then press “Run retouch” again: pages "
                                     "recorded are not redone, and these volumes are signed; "
                                     "the batch moves on to {next} once all its volumes are "
                                     "signed."),
    "web_images.retouch.ready_to_sign": ("没有等人查看的页面了：按“运行自动修图”为已记录、未签字的案卷签字。",
                                         "No page waits for a person: press “Run retouch” to "
                                         "sign the volumes recorded but not signed."),
    "web_images.retouch.reason": ("说明（看到了什么、为什么接受）", "Why (what you saw, why "
                                  "you accept it)"),
    "web_images.retouch.still_held": ("案卷 {volume} 还有 {count} 页等人查看（第 {pages} 页）。",
                                      "Volume {volume} still has {count} page(s) for a person "
                                      "(pages {pages})."),
    "web_images.retouch.none_held": ("案卷 {volume} 已没有等人查看的页面：回到 {code}，按“运行自动修图”即签字。",
                                     "Volume {volume} has no page left for a person: back on "
                                     "{code}, press “Run retouch” to sign it."),
})
MESSAGES.update({
    "web_images.qc.unit.page": ("页", "pages"),
    "web_images.qc.unit.item": ("件", "items"),
    "web_images.qc.unit.volume": ("卷", "volume"),
    "web_images.qc.decision.pass": ("合格", "passed"),
    "web_images.qc.decision.fail": ("不合格", "failed"),
    "web_images.qc.decision.void": ("作废", "voided"),
})
MESSAGES.update({
    # --- indexing desk: double keying (一稿双录) ---
    "web_images.keying.round": ("一稿双录：这是第 {round} 遍录入，独立完成，看不到另一遍。",
                                "Double keying: this is keying {round}, made independently; the "
                                "other keying is not shown."),
    "web_images.keying.submitted": ("已提交，可修改后重新提交，直到两遍都已提交。",
                                    "Submitted; you may submit again until both keyings are in."),
    "web_images.keying.locked": ("两遍录入都已提交，等待第三人核对差异。",
                                 "Both keyings are in; waiting for a third person to resolve "
                                 "the differences."),
    "web_images.keying.submit": ("提交我的录入", "Submit my keying"),
    "web_images.keying.first_in": ("已提交第一遍录入，等待第二人独立录入。",
                                   "Keying 1 submitted; waiting for a second, independent keying."),
    "web_images.keying.second_in": ("已提交第二遍录入；两遍有 {count} 处差异，等待第三人核对。",
                                    "Keying 2 submitted; {count} difference(s) wait for a third "
                                    "person."),
    "web_images.keying.agreed": ("两遍录入完全一致，目录已入库：{items} 条；签字 {signed} 卷。",
                                 "Both keyings agree; the catalogue is accepted: {items} items; "
                                 "{signed} volumes signed."),
    "web_images.keying.resolved": ("差异已全部核对，目录已入库：{items} 条；签字 {signed} 卷。",
                                   "Every difference resolved; the catalogue is accepted: "
                                   "{items} items; {signed} volumes signed."),
    "web_images.keying.resolve_title": ("核对两遍录入：{code}", "Resolve the two keyings: {code}"),
    "web_images.keying.resolve_hint": ("两遍录入共有 {count} 处差异（逐字标出）。请对照图像逐处选定，"
                                       "全部选定后才能入库。",
                                       "{count} difference(s) between the two keyings, marked "
                                       "character by character. Choose for each against the "
                                       "page; the catalogue is accepted only when all are "
                                       "chosen."),
    "web_images.keying.where": ("位置", "Where"),
    "web_images.keying.field": ("字段", "Field"),
    "web_images.keying.first": ("第一遍", "Keying 1"),
    "web_images.keying.second": ("第二遍", "Keying 2"),
    "web_images.keying.other": ("改为", "Own text"),
    "web_images.keying.empty": ("（空）", "(empty)"),
    "web_images.keying.entry": ("第 {seq} 条", "Item {seq}"),
    "web_images.keying.accept": ("核对完毕，入库", "Resolved: accept the catalogue"),
    "web_images.keying.state": ("一稿双录", "Double keying"),
    "web_images.keying.state.open": ("待第一遍录入", "Waiting for keying 1"),
    "web_images.keying.state.first": ("待第二遍录入", "Waiting for keying 2"),
    "web_images.keying.state.both": ("待核对差异", "Differences to resolve"),
    "web_images.keying.state.accepted": ("已入库", "Accepted"),
    "web_images.keying.open_count": ("未选定：", "Not chosen yet:"),
    "web_images.keying.task_key": ("第 {round} 遍录入", "Key it (keying {round})"),
    "web_images.keying.task_resolve": ("核对两遍录入的差异", "Resolve the differences"),
})
MESSAGES.update({
    # --- long runs kept in the database ---
    "web_images.run.interrupted": ("服务器在运行中停止，此次运行未完成；已完成的工作已记录，可重新开始以继续。",
                                   "The server stopped during this run; it did not finish. The "
                                   "work done is recorded; start again to continue."),
})
