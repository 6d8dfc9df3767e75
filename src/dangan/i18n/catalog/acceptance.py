"""验收: defects found on volumes already returned to the archive room; what a verdict
inspected (the sample and the units outside it); 撤销 of a defect on the web."""

MESSAGES: dict[str, tuple[str, str]] = {
    # what a QC verdict inspected: the units drawn, and those out of the sample holding a defect
    "qc.unit_word.item": ("件", "item(s)"),
    "qc.unit_word.page": ("页", "page(s)"),
    "qc.unit_word.volume": ("卷", "volume(s)"),
    "qc.inspected_units": ("{sampled} {unit}", "{sampled} {unit}"),
    "qc.inspected_with_outside": ("{sampled} {unit} + 样本外 {outside} {unit}",
                                  "{sampled} {unit} + {outside} outside the sample"),
    # a defect recorded on a volume already returned (验收)
    "qc.returned_rework": (
        "案卷 {code} 已归还档案室（验收发现）：返工 #{rework} 已退回 {person}，不需要原件",
        "Volume {code} is already back in the archive room (found at acceptance): rework "
        "#{rework} sent to {person}; it needs no paper"),
    "qc.returned_needs_paper": (
        "案卷 {code} 已归还档案室（验收发现）：返工 #{rework}（{stage}）要用原件，须等该卷"
        "再次借出后才能做。借卷登记（dangan borrow create）目前不能再借已归还的案卷，"
        "请项目经理与档案室商定",
        "Volume {code} is already back in the archive room (found at acceptance): rework "
        "#{rework} ({stage}) needs the paper and waits until the volume is borrowed again. "
        "The borrow register (dangan borrow create) cannot list a returned volume yet: the "
        "project manager arranges it with the archive room"),
    "handover.open_defect_line_paper": (
        "#{id} {code} 第 {page} 页 {defect}（{status}；案卷已归还，返工要用原件，须再借出）",
        "#{id} {code} page {page} {defect} ({status}; the volume is back in the archive "
        "room: its rework needs the paper, borrowed again)"),
    # the volume's defects on its page; 撤销 by the project manager
    "volume_defects.title": ("问题记录", "Defects"),
    "volume_defects.id": ("编号", "No."),
    "volume_defects.page": ("页", "Page"),
    "volume_defects.type": ("问题", "Defect"),
    "volume_defects.stage": ("环节", "Stage"),
    "volume_defects.responsible": ("责任人", "Responsible"),
    "volume_defects.status": ("状态", "Status"),
    "volume_defects.note": ("说明", "Note"),
    "volume_defects.reason": ("撤销原因（必填）", "Reason for withdrawing (required)"),
    "volume_defects.waive": ("撤销", "Withdraw"),
    "volume_defects.withdrawn": ("{by} 于 {at} 撤销：{reason}", "Withdrawn by {by} at {at}: {reason}"),
    "volume_defects.waived": ("问题 #{id}（{defect}）已撤销；关闭返工：{reworks}",
                              "Defect #{id} ({defect}) withdrawn; reworks closed: {reworks}"),
}
