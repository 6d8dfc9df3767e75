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
        "返工 #{id} 不能签字：{code}（第 {page} 页）自返工开出（{at}）以来没有新的扫描记录 —— "
        "补扫的页用 dangan renumber 插入或重新入库后再签字",
        "Rework #{id} cannot be signed off: nothing of {code} (page {page}) was scanned anew "
        "since the rework was opened ({at}) — insert the rescanned page with dangan renumber "
        "or ingest it, then sign off"),
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
