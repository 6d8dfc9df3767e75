"""The borrow register's two sides and its pending batches: one person never signs both
sides; a volume taken off a batch not yet confirmed (or the whole batch cancelled), with the
reason; the confirmation remarks shown; the archive room's confirmations on 我的任务."""

MESSAGES: dict[str, tuple[str, str]] = {
    # one person, both sides (an account holding both roles; a name typed twice)
    "borrow.same_person_both_sides": (
        "{name} 不能同时作为借还卷员和档案室确认人：借卷批次 {no} 的{stage}须由另一位档案室人员确认。",
        "{name} cannot sign for both the borrow clerk and the archive room: the {stage} of "
        "borrow batch {no} needs another archive-room person to confirm."),
    # taking a volume off a pending batch, cancelling a pending batch
    "borrow.remove_reason_required": ("请写明撤下原因（--reason）",
                                      "Give the reason for taking the volume off (--reason)"),
    "borrow.cancel_reason_required": ("请写明取消原因（--reason）",
                                      "Give the reason for cancelling the batch (--reason)"),
    "borrow.not_pending": (
        "借卷批次 {no} 当前为“{status}”：只有待出库（尚未双方确认）的批次可以撤下案卷或取消。",
        "Borrow batch {no} is {status}: only a batch not yet confirmed by both sides can have a "
        "volume taken off or be cancelled."),
    "borrow.remove_last_volume": (
        "案卷 {code} 是借卷批次 {no} 的最后一卷：请取消整个批次（dangan borrow cancel）。",
        "Volume {code} is the last one of borrow batch {no}: cancel the whole batch instead "
        "(dangan borrow cancel)."),
    "borrow.removed": (
        "已从借卷批次 {no} 撤下案卷 {code}（原因：{reason}），该卷恢复为未借出，可列入以后的批次。",
        "Volume {code} taken off borrow batch {no} (reason: {reason}); it is not borrowed and "
        "can be listed on a later batch."),
    "borrow.cancelled": (
        "借卷批次 {no} 已取消（原因：{reason}），{count} 卷恢复为未借出。",
        "Borrow batch {no} cancelled (reason: {reason}); {count} volume(s) are not borrowed."),
    "borrow.removed_title": ("从本批次撤下的案卷", "Volumes taken off this batch"),
    "borrow.removed_line": ("{code} {title}：{reason}（{person}，{at}）",
                            "{code} {title}: {reason} ({person}, {at})"),
    "borrow.cancelled_line": ("本批次已取消：{reason}（{person}，{at}）",
                              "This batch was cancelled: {reason} ({person}, {at})"),
    # the remarks typed when confirming, shown with the batch and on the register
    "borrow.confirm_remarks": ("借出备注", "Borrowing remarks"),
    "borrow.return_remarks": ("还卷备注", "Return remarks"),
    "borrow.remarks_line": ("{label}：{text}", "{label}: {text}"),
    # the web desk
    "desk.borrow.remove": ("撤下案卷（尚未出库）", "Take a volume off (not yet out)"),
    "desk.borrow.remove_reason": ("撤下原因", "Reason"),
    "desk.borrow.remove_button": ("撤下该卷", "Take the volume off"),
    "desk.borrow.cancel_reason": ("取消原因", "Reason"),
    "desk.borrow.cancel_button": ("取消批次", "Cancel the batch"),
    # 我的任务 of the archive room: the borrow batches waiting for its confirmation
    "web.tasks.borrow_confirm": ("待我确认的借卷批次", "Borrow batches waiting for my confirmation"),
    "web.tasks.borrow_action.borrow": ("确认借出", "confirm the borrowing"),
    "web.tasks.borrow_action.return": ("确认归还", "confirm the return"),
    "web.tasks.borrow_none": ("没有等待档案室确认的借卷批次。",
                              "No borrow batch is waiting for the archive room."),
    # the command line
    "cli.help.borrow.remove": (
        "从尚未出库的借卷批次撤下一卷（须写明原因，记入审计记录），该卷恢复为未借出。",
        "Take a volume off a borrow batch not yet confirmed (with the reason, kept in the audit "
        "trail); the volume is not borrowed again."),
    "cli.help.borrow.cancel": (
        "取消尚未出库的借卷批次（须写明原因，记入审计记录），批次中的案卷恢复为未借出。",
        "Cancel a borrow batch not yet confirmed (with the reason, kept in the audit trail); its "
        "volumes are not borrowed again."),
    "cli.opt.borrow.remove.reason": ("撤下原因（如：架上未找到）", "Why (e.g. not found on the shelf)"),
    "cli.opt.borrow.cancel.reason": ("取消原因", "Why the batch is cancelled"),
}
