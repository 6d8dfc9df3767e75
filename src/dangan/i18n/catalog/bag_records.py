"""Texts of the records the client reads: the handover bag's CSV files, the borrow register's
later notes, the tracking sheet's problems by stage, and the volume list's refusals for
volumes already scanned."""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- borrow register: notes made after both sides signed ---
    "borrow.later_notes_column": ("后补记录（签字后记录，时间、记录人）",
                                  "Later notes (after signing: time, by)"),
    "borrow.later_note": ("{at} {person}：{text}", "{at} {person}: {text}"),
    # --- the volume list: scanned volumes keep their identity and page count ---
    "volumes.row_refused_scanned": (
        "第 {row} 行 {code}：该卷已扫描 {pages} 页（当前环节：{stage}），不能再改{fields}；"
        "请与委托方核对原件，此行改回原值或删去后再导入",
        "row {row} {code}: the volume is scanned ({pages} pages, now at {stage}); its {fields} "
        "can no longer change: check the paper with the client, put the row back as it was or "
        "remove it, then import again"),
    "volumes.scanned_rows_refused": ("清单中有 {count} 行要改已扫描案卷的题名、年度或页数，整表未导入：",
                                     "{count} rows would change the title, year or page count of "
                                     "scanned volumes; nothing was imported:"),
    "volumes.rest_of_import": ("其余各行：新增 {added} 卷，不变 {unchanged} 卷，变更 {changed} 卷（如下）",
                               "the other rows: {added} new, {unchanged} unchanged, {changed} "
                               "changed (below)"),
    "volumes.rest_of_import_none": ("其余各行：新增 {added} 卷，不变 {unchanged} 卷，无变更",
                                    "the other rows: {added} new, {unchanged} unchanged, none "
                                    "changed"),
    "volumes.page_differs": ("{count} 卷登记页数与已扫描页数不符，请与委托方核对：\n{volumes}",
                             "{count} volumes: the registered page count differs from the pages "
                             "scanned, check with the client:\n{volumes}"),
    "volumes.page_differs_row": ("  {code}：登记 {registered} 页，已扫描 {scanned} 页",
                                 "  {code}: {registered} pages registered, {scanned} scanned"),
    # --- the handover bag's record files (records/*.csv) ---
    "bag.col.archive_code": ("档号", "Archive code"),
    "bag.col.work_batch": ("小批次", "Work batch"),
    "bag.col.borrow_batch": ("借卷批次", "Borrow batch"),
    "bag.col.time": ("时间", "Time"),
    "bag.col.stage": ("环节", "Stage"),
    "bag.col.event": ("事件", "Event"),
    "bag.col.person": ("签名", "Signed by"),
    "bag.col.remarks": ("备注", "Remarks"),
    "bag.col.item": ("件号", "Item"),
    "bag.col.page": ("页号", "Page"),
    "bag.col.problem": ("问题", "Problem"),
    "bag.col.severity": ("级别", "Severity"),
    "bag.col.found_by": ("发现方式", "Found by"),
    "bag.col.status": ("处理状态", "Status"),
    "bag.col.note": ("说明", "Note"),
    "bag.col.found_at": ("发现时间", "Found at"),
    "bag.col.round": ("轮次", "Round"),
    "bag.col.inspector": ("质检员", "Inspector"),
    "bag.col.seed": ("抽样随机数种子", "Sampling seed"),
    "bag.col.population": ("总体（件/页数）", "Population (items or pages)"),
    "bag.col.sample": ("抽检样本", "Sample inspected"),
    "bag.col.verdict": ("结论", "Verdict"),
    "bag.col.pass_rate": ("合格率", "Pass rate"),
    "bag.col.decided_at": ("判定时间", "Decided at"),
    "bag.col.assignee": ("责任人", "Responsible"),
    "bag.col.reason": ("原因", "Reason"),
    "bag.col.opened_at": ("发起时间", "Opened at"),
    "bag.col.done_at": ("完成时间", "Done at"),
    "bag.col.verified_at": ("复检时间", "Re-inspected at"),
    "bag.value.other": ("其他", "other"),
    "bag.defect.other": ("其他问题", "Other problem"),
    "bag.verdict.none": ("未判定", "not decided"),
    "bag.sample.volume_units": ("{code}：{units}", "{code}: {units}"),
    "bag.sample.sep": ("；", "; "),
    "bag.defect_status.open": ("未处理", "open"),
    "bag.defect_status.fixed": ("已返工待复检", "reworked, awaiting re-inspection"),
    "bag.defect_status.verified": ("已复检", "verified"),
    "bag.defect_status.waived": ("已撤销", "waived"),
    "bag.defect_status.noted": ("原卷错误，已记录", "the paper's own, noted"),
    "bag.source.line": ("生产中登记", "recorded on the line"),
    "bag.source.qc": ("质检", "quality inspection"),
    "bag.source.check": ("入库检查", "intake check"),
    "bag.source.retouch": ("修图检查", "retouch check"),
    "bag.source.link": ("挂接检查", "link check"),
    "bag.source.borrow": ("借卷", "borrowing"),
    # --- the tracking sheet: problems under the stage that found them, co-signers ---
    "sheet.problems_at.borrow": ("借卷时发现的问题", "Problems found at borrowing"),
    "sheet.problems_at.sort": ("整理中发现的问题", "Problems found while sorting"),
    "sheet.problems_at.scan": ("扫描中发现的问题", "Problems found while scanning"),
    "sheet.sort_notes": ("整理备注（拆卷说明）", "Sorting remarks (unbinding notes)"),
    "sheet.later_note": ("{text}（登记表签字后补记：{at} {person}）",
                         "{text} (noted after the register was signed: {at} {person})"),
    "sheet.cosigned": ("{person}；档案室：{staff}", "{person}; archive room: {staff}"),
}
