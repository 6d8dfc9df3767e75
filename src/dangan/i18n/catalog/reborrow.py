"""再借: a volume back in the archive room borrowed again for a rework that needs the paper
(a defect found at acceptance); the borrow register, the refusals, the borrow desk."""

MESSAGES: dict[str, tuple[str, str]] = {
    # the register's 借出时情况 of a re-borrowed volume, and the borrow sign-off's remarks
    "borrow.reborrow.note": (
        "再借返工（此前随借卷批次 {no} 归还）：{defects}",
        "Borrowed again for rework (returned before with borrow batch {no}): {defects}"),
    "borrow.reborrow.defect": ("问题 #{id} {defect}（第 {page} 页，{stage}）",
                               "defect #{id} {defect} (page {page}, {stage})"),
    # refusals
    "borrow.returned_no_paper_rework": (
        "案卷 {code} 已随借卷批次 {no} 归还档案室，没有要用原件（{stages}）的未完成返工，"
        "不能再借",
        "Volume {code} went back to the archive room with borrow batch {no} and has no open "
        "rework that needs the paper ({stages}): it is not borrowed again"),
    "borrow.reborrow_mixed": (
        "再借返工的案卷（{count} 卷：{codes}）须单独登记一个借卷批次，不能与首次借出的案卷"
        "（{first}）同批",
        "Volumes borrowed again for rework ({count}: {codes}) go on a borrow batch of their "
        "own, not with volumes borrowed the first time ({first})"),
    "batch.reborrow_not_split": (
        "借卷批次 {no} 是再借返工批次：案卷仍属原来的小批次，不再拆分",
        "Borrow batch {no} is a re-borrow for rework: its volumes stay in their work batches "
        "and are not split again"),
    "rework.needs_paper_out": (
        "返工 #{id}（{stage}）要用原件，案卷 {code} 在档案室（当前：{current}）：须先再借出"
        "（dangan borrow create --code {code}，双方在登记表上签字确认）才能完成",
        "Rework #{id} ({stage}) needs the paper and volume {code} is in the archive room "
        "(now: {current}): borrow it again first (dangan borrow create --code {code}, both "
        "sides sign the register)"),
    # qc record on a returned volume: a rework needing the paper
    "qc.returned_reborrow": (
        "案卷 {code} 已归还档案室（验收发现）：返工 #{rework}（{stage}）要用原件，须再借出后"
        "才能做——dangan borrow create --code {code}（登记为再借返工）、dangan borrow confirm，"
        "返工、复检、装订后随新的还卷清单归还",
        "Volume {code} is already back in the archive room (found at acceptance): rework "
        "#{rework} ({stage}) needs the paper. Borrow it again - dangan borrow create --code "
        "{code} (listed as a re-borrow for rework), dangan borrow confirm - then rework, "
        "re-inspect, rebind and return it with a new return list"),
    # the borrow desk
    "desk.borrow.reborrow_pick": ("再借返工（已归还，返工要用原件）",
                                  "Borrow again for rework (returned, the rework needs the paper)"),
    "desk.borrow.reborrow_hint": ("再借的案卷单独成一个借卷批次，不与首次借出的案卷同批。",
                                  "Volumes borrowed again go on a borrow batch of their own."),
    "desk.borrow.returned_with": ("归还批次", "Returned with"),
    "desk.borrow.reborrow_defects": ("要返工的问题", "Defects to rework"),
}
