"""Who records and withdraws a defect, what a rework's sign-off needs, what a handover needs."""

MESSAGES: dict[str, tuple[str, str]] = {
    "qc.record_not_inspector": (
        "{name}（{roles}）不能登记问题：问题由{role}（领取了该质检环节）或{manager}登记",
        "{name} ({roles}) cannot record a defect: defects are recorded by a {role} (holding "
        "the batch's QC claim) or the {manager}"),
    "qc.defect_duplicate": (
        "{code} {place}已有同类问题 #{id}（{defect}，{status}）：不重复登记、不重复扣款；"
        "返工后仍不对请在复检时判不通过（dangan qc verify 返工号 --reject）",
        "{code} {place} already has defect #{id} of this kind ({defect}, {status}): not "
        "recorded or charged twice; if still wrong after rework, reject it at re-inspection "
        "(dangan qc verify REWORK_ID --reject)"),
    "qc.defect_stage_not_signed": (
        "{code} 的{stage}环节还没有人签字，问题 {defect} 无责任人可退回：待该环节完成后再登记，"
        "或用 --stage 指明已签字的环节",
        "Nobody has signed {stage} for {code} yet: defect {defect} has no one to go back to; "
        "record it once that stage is signed, or name a signed stage with --stage"),
    "qc.defect_status.open": ("未处理", "open"),
    "qc.defect_status.fixed": ("已返工待复检", "reworked, awaiting re-inspection"),
    "qc.defect_status.verified": ("已复检", "verified"),
    "qc.defect_status.waived": ("已撤销/已认可", "waived"),
    "qc.defect_status.noted": ("原卷错误，已记录", "the paper's own, noted"),
    "qc.waive_needs_reason": ("撤销问题 #{id} 须写明撤销原因",
                              "Withdrawing defect #{id} needs the reason it is withdrawn"),
    "qc.waive_not_manager": ("{name} 不能撤销问题：只有{role}可以",
                             "{name} cannot withdraw a defect: only the {role} can"),
    "qc.waive_not_open": ("问题 #{id} 不能撤销（{status}）",
                          "Defect #{id} cannot be withdrawn ({status})"),
    "qc.defect_not_found": ("没有问题记录 #{id}", "No defect #{id}"),
    "qc.waived_remarks": ("撤销误记的问题 #{id}：{reason}",
                          "Defect #{id} withdrawn as recorded in error: {reason}"),
    "qc.waived": ("问题 #{id}（{code} {defect}）已撤销，扣款不再计入；关闭返工：{reworks}",
                  "Defect #{id} ({code} {defect}) withdrawn, no longer deducted; reworks "
                  "closed: {reworks}"),
    "cli.help.qc.waive": ("项目经理撤销误记的问题（写明原因，留痕，不删除）",
                          "The project manager withdraws a defect recorded in error (with the "
                          "reason; recorded, never deleted)"),
    "cli.opt.qc.waive.worker": ("项目经理（已登记）", "The project manager (registered)"),
    "cli.opt.qc.waive.defect_id": ("问题编号（dangan defects 列出）", "Defect number (as listed by dangan defects)"),
    "cli.opt.qc.waive.reason": ("撤销原因（必填，记入过程记录）",
                                "Why it is withdrawn (required, kept in the history)"),
    "rework.status.waived": ("问题已撤销", "defect withdrawn"),
    "rework.no_new_output.scan": (
        "返工 #{id} 不能签字：{code}（{defect}，第 {page} 页）入库在 已扫描/{folder} 的页自返工开出"
        "（{at}）以来没有变化 —— 没有该卷重新入库的记录。dangan renumber 只改扫描工作站上的文件夹，"
        "不改已入库的页；补扫的页须重新入库到 已扫描 后才能签字（已入库的卷再次入库本系统尚不支持，"
        "请报项目经理）",
        "Rework #{id} cannot be signed off: the pages of {code} ({defect}, page {page}) stored "
        "in 已扫描/{folder} have not changed since the rework was opened ({at}) — the volume "
        "was not ingested again. dangan renumber changes the scan station's folder, not the "
        "stored pages; the rescanned pages must be ingested into 已扫描 before sign-off "
        "(ingesting a volume already ingested is not supported yet: report it to the project "
        "manager)"),
    "rework.no_new_output.sort": (
        "返工 #{id} 不能签字：{code}（{defect}，第 {page} 页）入库在 已扫描/{folder} 的页自返工开出"
        "（{at}）以来没有变化 —— 原件重新整理编页后，改动的页须重新扫描并入库，入库的页与原件一致后"
        "才能签字（已入库的卷再次入库本系统尚不支持，请报项目经理）",
        "Rework #{id} cannot be signed off: the pages of {code} ({defect}, page {page}) stored "
        "in 已扫描/{folder} have not changed since the rework was opened ({at}) — once the "
        "paper is sorted and numbered again, the changed pages must be scanned and ingested "
        "so the stored pages match the paper, then sign off (ingesting a volume already "
        "ingested is not supported yet: report it to the project manager)"),
    "rework.no_new_output.index": (
        "返工 #{id} 不能签字：{code}（{defect}）的卷内目录和卷宗信息自返工开出（{at}）以来没有改动 "
        "—— 在著录台改正后保存，或用 dangan index import 文件 --replace -w 标引员 导入改正后的目录"
        "（返工未关闭时无需更正原因），再签字；与已登记内容相同的导入不算改动",
        "Rework #{id} cannot be signed off: the catalogue and volume record of {code} "
        "({defect}) have not changed since the rework was opened ({at}) — correct them at "
        "the cataloguing desk and save, or import the corrected catalogue with dangan index "
        "import FILE --replace -w INDEXER (no correction reason needed while the rework is "
        "open), then sign off; an import identical to what is recorded changes nothing"),
    "rework.no_new_output.upload": (
        "返工 #{id} 不能签字：{code}（{defect}）的交付文件自返工开出（{at}）以来没有重新打包 —— "
        "改正后用上传台或 dangan package --volume {code} -w 打包人 重新打包该卷（返工未关闭时无需"
        "更正原因），再签字；内容与上次相同的打包不会重做",
        "Rework #{id} cannot be signed off: the delivery files of {code} ({defect}) were not "
        "built again since the rework was opened ({at}) — once corrected, package the volume "
        "again at the upload desk or with dangan package --volume {code} -w PACKAGER (no "
        "correction reason needed while the rework is open), then sign off; a package of "
        "exactly the same content is not built again"),
    "rework.no_new_output.retouch": (
        "返工 #{id} 不能签字：{code}（第 {page} 页）自返工开出（{at}）以来没有新的修图记录 —— "
        "重新修图或在修图台替换该页后再签字",
        "Rework #{id} cannot be signed off: nothing of {code} (page {page}) was retouched "
        "anew since the rework was opened ({at}) — retouch it again or replace the page at "
        "the retouch desk, then sign off"),
    "rework.stale_package": (
        "返工 #{id} 不能签字：{code} 的交付文件早于其修图或卷内目录（已打包后又改了页或目录）—— 先由上传员"
        "重新打包该卷（上传台，或 dangan package --volume {code} -w 打包人；返工未关闭时"
        "无需更正原因），再签字或复检",
        "Rework #{id} cannot be signed off: the delivery files of {code} are older than its "
        "retouched pages or its catalogue (pages or catalogue changed after packaging) — have "
        "the uploader package the "
        "volume again first (upload desk, or dangan package --volume {code} -w PACKAGER; "
        "no correction reason needed while the rework is open), then sign off or "
        "re-inspect"),
    "qc.stale_package": (
        "批次 {code} 不能通过：{count} 卷的交付文件早于其修图或卷内目录（{codes}）—— 先重新打包，"
        "例如 dangan package --volume {first} -w 打包人 --correction 原因",
        "Batch {code} cannot pass: the delivery files of {count} volume(s) are older than "
        "their retouched pages or catalogue ({codes}) — package them again first, e.g. dangan package "
        "--volume {first} -w PACKAGER --correction REASON"),
    "handover.open_defects": (
        "移交被拒绝：移交的案卷还有 {count} 处问题未关闭（{ids}）—— 返工并复检后再移交；"
        "误记的问题由项目经理撤销（dangan qc waive）",
        "Handover refused: {count} defect(s) of the delivered volumes still open ({ids}) — "
        "rework and re-inspect them first; a defect recorded in error is withdrawn by the "
        "project manager (dangan qc waive)"),
    "handover.open_defect_line": ("#{id} {code} 第 {page} 页 {defect}（{status}）",
                                  "#{id} {code} page {page} {defect} ({status})"),
    "handover.stale_package": (
        "移交被拒绝：{count} 卷的交付文件早于其最近一次修图或卷内目录修改（{codes}）—— 先重新打包，"
        "例如 dangan package --volume {first} -w 打包人 --correction 原因",
        "Handover refused: the delivery files of {count} volume(s) are older than their "
        "latest retouch or catalogue change ({codes}) — build them again first, e.g. dangan package --volume "
        "{first} -w PACKAGER --correction REASON"),
}
