"""Messages of the web desks: 借还卷 (borrow and return), 整理 / 装订 records, the audit
trail page and the three-officer separation."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- shared ---
    "desk.nav.borrow": ("借还卷", "Borrow & return"),
    "desk.nav.records": ("整理装订", "Sorting & binding"),
    "desk.nav.audit": ("审计", "Audit"),
    "desk.status": ("状态", "Status"),
    "desk.volumes": ("案卷数", "Volumes"),
    "desk.title": ("题名", "Title"),
    "desk.seq": ("序号", "No."),
    "desk.location": ("存放位置", "Location"),
    "desk.condition": ("问题", "Problem"),
    # --- borrow ---
    "desk.borrow.title": ("借还卷", "Borrow and return desk"),
    "desk.borrow.batches": ("借卷批次", "Borrow batches"),
    "desk.borrow.all": ("全部批次", "All batches"),
    "desk.borrow.overdue_only": ("只看逾期", "Overdue only"),
    "desk.borrow.overdue": ("逾期", "overdue"),
    "desk.borrow.no": ("批次号", "Batch"),
    "desk.borrow.clerk": ("借卷人", "Borrow clerk"),
    "desk.borrow.archive_staff": ("档案室人员", "Archive room"),
    "desk.borrow.due": ("应还时间", "Due"),
    "desk.borrow.pick": ("从委托方清单选卷", "Pick volumes from the client's list"),
    "desk.borrow.next_n": ("或按清单顺序取下 N 卷", "or the next N volumes of the list"),
    "desk.borrow.create": ("生成借卷批次", "Create the borrow batch"),
    "desk.borrow.created": ("借卷批次 {no} 已生成（{count} 卷），待双方确认。",
                            "Borrow batch {no} listed ({count} volumes); both sides confirm next."),
    "desk.borrow.batch_title": ("借卷批次 {no}", "Borrow batch {no}"),
    "desk.borrow.register": ("借卷详情登记表", "Borrow register"),
    "desk.borrow.problem": ("现场问题登记", "Problems seen at borrowing"),
    "desk.borrow.note_problem": ("登记问题", "Record the problem"),
    "desk.borrow.problem_noted": ("已登记案卷 {code} 的问题。", "Problem recorded for volume {code}."),
    "desk.borrow.confirm": ("双方确认借出", "Both sides confirm the borrowing"),
    "desk.borrow.confirm_button": ("确认借出", "Confirm the borrowing"),
    "desk.borrow.confirmed": ("借卷批次 {no} 已借出，档案室确认人：{staff}。",
                              "Borrow batch {no} is out; confirmed by {staff} of the archive room."),
    "desk.borrow.work_batches": ("小批次", "Work batches"),
    "desk.borrow.pages_per_batch": ("每批页数（默认按人日工作量）",
                                    "Pages per batch (default: one person-day)"),
    "desk.borrow.half_day": ("按半天拆分", "Half a day each"),
    "desk.borrow.split_button": ("拆分小批次", "Split into work batches"),
    "desk.borrow.split": ("借卷批次 {no} 已拆分为 {count} 个小批次。",
                          "Borrow batch {no} split into {count} work batches."),
    "desk.cosign.hint": ("档案室人员在本屏幕上输入自己的账号确认（已用本人账号确认过的可留空）：",
                         "The archive-room person confirms here with their own account (leave "
                         "empty when they already confirmed on their own account):"),
    "desk.cosign.confirmed_borrow": (
        "{person} 已用本人账号确认借出（{at}）：借卷人在 {until} 前确认借卷即可，无需再输入档案室账号",
        "{person} confirmed the borrowing with their own account ({at}): the clerk confirms "
        "by {until} without typing an archive-room login"),
    "desk.cosign.confirmed_return": (
        "{person} 已用本人账号确认还卷（{at}）：借卷人在 {until} 前确认还卷即可，无需再输入档案室账号",
        "{person} confirmed the return with their own account ({at}): the clerk confirms "
        "by {until} without typing an archive-room login"),
    "desk.cosign.own_button": ("档案室确认（本人账号）", "Confirm for the archive room (my account)"),
    "desk.cosign.own_done": ("已确认借卷批次 {no}，待借卷人确认。",
                             "Borrow batch {no} confirmed; the borrow clerk confirms next."),
    "desk.cosign.missing": ("借卷批次 {no}：档案室人员尚未确认（本人账号确认或在本屏幕输入账号密码）。",
                            "Borrow batch {no}: the archive room has not confirmed (on their own "
                            "account, or sign in on this screen)."),
    "desk.cosign.wrong_state": ("借卷批次 {no} 当前状态不需要档案室确认。",
                                "Borrow batch {no} needs no archive-room confirmation now."),
    "desk.cosign.login": ("档案室人员登录名", "Archive-room login"),
    "desk.cosign.password": ("档案室人员密码", "Archive-room password"),
    "desk.cosign.failed": ("档案室人员 {login} 的登录名或密码不正确。",
                           "Wrong login or password for the archive-room person {login}."),
    "desk.cosign.not_archive_staff": ("账号 {login} 不是档案室人员，不能作为对方确认。",
                                      "Account {login} is not archive-room staff; "
                                      "it cannot confirm as the other side."),
    # --- return ---
    "desk.return.title": ("还卷", "Return"),
    "desk.return.list": ("还卷清单", "Return list"),
    "desk.borrow.already_signed": (
        "借卷批次 {no} 的“{stage}”已由 {person} 于 {at} 签字（第一次提交已生效）：未重复签字",
        "Borrow batch {no} was already signed for “{stage}” by {person} at {at} (the first "
        "submission went through): not signed again"),
    "desk.return.not_ready": ("尚不能还卷（{count} 项）：", "Not ready to return ({count} items):"),
    "desk.return.counted": ("清点卷数", "Volumes counted"),
    "desk.return.handed": ("交还顺序（每行一个档号，可用扫码枪）",
                           "Order handed over (one archive code a line; a scanner works)"),
    "desk.return.shelving_rule": ("上架规则（与档案室约定）", "Shelving rule agreed with the archive room"),
    "desk.return.button": ("确认还卷", "Confirm the return"),
    "desk.return.done": ("借卷批次 {no} 已归还，档案室确认人：{staff}。",
                         "Borrow batch {no} returned; confirmed by {staff} of the archive room."),
}

MESSAGES.update({
    # --- 整理 / 装订 records ---
    "records.sort.title": ("整理记录：{code}", "Sorting record: {code}"),
    "records.sort.pages": ("编页数", "Pages numbered"),
    "records.sort.notes": ("拆卷说明", "Unbinding notes"),
    "records.sort.photos": ("特殊装订照片", "Photos of special bindings"),
    "records.sort.missing": ("未记录", "not recorded"),
    "records.sort.open": ("填写整理记录（拆卷/编页码）", "Fill in the sorting records"),
    "records.sort.save": ("保存整理记录", "Save the record"),
    "records.sort.saved": ("已记录案卷 {code}：编页 {pages} 页，照片 {photos} 张。",
                           "Recorded volume {code}: {pages} pages numbered, {photos} photos."),
    "records.sort.photos_saved": ("已存照片 {count} 张（保留；勾选的删除，记入更正）",
                                  "{count} photos saved (kept; the ones ticked are removed, "
                                  "recorded in the correction)"),
    "records.sort.remove_photo": ("删除照片 {name}", "Remove photo {name}"),
    "records.sort.photos_add": ("添加特殊装订照片", "Add photos of special bindings"),
    "records.sort.history": ("更正记录：此前 {count} 条", "Corrections: {count} earlier records"),
    "records.sort.history_row": ("{at} {person}：编页 {pages} 页；拆卷说明：{notes}；照片 {photos} 张；备注：{remarks}",
                                 "{at} {person}: {pages} pages numbered; unbinding notes: "
                                 "{notes}; {photos} photos; remarks: {remarks}"),
    "records.not_in_batch": ("案卷 {code} 不在小批次 {batch} 中", "Volume {code} is not in work batch {batch}"),
    "records.photo_size": ("照片 {name} 为空或超过 {max} MB", "Photo {name} is empty or over {max} MB"),
    "records.too_many_photos": ("一次最多上传 {max} 张照片", "At most {max} photos at a time"),
    "records.photo_checksum": ("照片 {name} 写入后校验值不符", "Photo {name}: checksum differs after writing"),
    "records.binding.title": ("装订方式与试装订", "Binding method and trial volumes"),
    "records.binding.method": ("装订方式", "Binding method"),
    "records.binding.alignment": ("对齐方式", "Alignment"),
    "records.binding.punch": ("允许打孔", "Punching allowed"),
    "records.binding.agreed_by": ("档案室负责人确认", "Agreed by the archive-room lead"),
    "records.binding.trial": ("试装订案卷（档号）", "Trial volumes (archive codes)"),
    "records.binding.trial_approved_by": ("试装订验收", "Trial approved by"),
    "records.binding.none": ("尚未约定装订方式。", "No binding method agreed yet."),
    "records.binding.agree": ("约定装订方式", "Agree the binding method"),
    "records.binding.agree_button": ("签字确认装订方式", "Sign the binding method"),
    "records.binding.approve_button": ("试装订验收通过", "Approve the trial volumes"),
    "records.binding.agreed": ("装订方式已确认：{method}。", "Binding method agreed: {method}."),
    "records.binding.trial_approved": ("试装订已验收，其余案卷可以装订。",
                                       "Trial volumes approved; the rest may be rebound."),
    "records.alignment.bottom_left": ("左下对齐", "Bottom left"),
    "records.alignment.bottom_right": ("右下对齐", "Bottom right"),
    "records.rebind.batches": ("待装订的小批次", "Work batches waiting to be rebound"),
    "records.rebind.sign": ("装订完成签字", "Sign the rebinding"),
    "records.rebind.sign_trial": ("先装订试装订案卷并签字（本批：{codes}）",
                                  "Rebind the trial volumes first and sign (here: {codes})"),
    "records.rebind.trial_where": ("试装订案卷须先装订并经档案室验收：",
                                   "The trial volumes are rebound and approved first: "),
    "records.rebind.trial_at": ("{code} 在小批次 {batch}（{stage}）",
                                "{code} in work batch {batch} ({stage})"),
    "records.rebind.trial_awaiting": ("试装订案卷已装订，待档案室试装订验收后再装订其余案卷。",
                                      "The trial volumes are rebound; the rest are rebound "
                                      "once the archive room approves them."),
    "records.binding.trial_not_bound": ("试装订案卷尚未装订，装订后方可验收：{places}",
                                        "The trial volumes are not rebound yet; they can be "
                                        "approved once rebound: {places}"),
    "records.rebind.trial_elsewhere": ("本批没有试装订案卷（{places}）：待试装订验收后再装订。",
                                       "No trial volume in this batch ({places}): rebind it "
                                       "once the trial is approved."),
    "records.rebind.signed": ("小批次 {code} 已装订签字（{volumes} 卷）。",
                              "Work batch {code} rebound and signed ({volumes} volumes)."),
})

MESSAGES.update({
    # --- three officers and the audit trail ---
    "role.security_officer": ("安全保密员", "Security officer"),
    "role.security_auditor": ("安全审计员", "Security auditor"),
    "officers.title": ("三员管理", "Three officers"),
    "officers.on": ("本项目启用三员分立：系统管理员、安全保密员、安全审计员各司其职，均不能修改生产数据。",
                    "Three-officer separation is on: administrator, security officer and auditor "
                    "each keep to their own duties; none changes production data."),
    "officers.off": ("本项目未启用三员分立（dangan.toml [web] three_officers = true 可启用）。",
                     "Three-officer separation is off (dangan.toml [web] three_officers = true)."),
    "officers.officer": ("三员角色", "Officer"),
    "officers.appoint": ("任命", "Appoint"),
    "officers.appointed": ("账号 {login} 的三员角色：{role}。", "Account {login} officer role: {role}."),
    "officers.lock": ("锁定", "Lock"),
    "officers.unlock": ("解锁", "Unlock"),
    "officers.locked": ("账号 {login} 已锁定。", "Account {login} locked."),
    "officers.unlocked": ("账号 {login} 已解锁。", "Account {login} unlocked."),
    "officers.conflict": ("一个账号只能担任三员中的一员（当前：{roles}），请先更正。",
                          "An account may hold only one of the three officer roles (now: {roles}); "
                          "correct it first."),
    "officers.no_production": ("{role}不能修改生产数据（三员分立）。",
                               "The {role} may not change production data (three officers)."),
    "officers.one_only": ("账号 {login} 是系统管理员，不能再担任安全保密员或安全审计员。",
                          "Account {login} is the administrator; it cannot also be the security "
                          "officer or auditor."),
    "officers.no_line_roles": ("账号 {login} 担任三员，不能同时担任生产岗位。",
                               "Account {login} is an officer and cannot hold a line role too."),
    "officers.has_line_roles": ("账号 {login} 担任生产岗位（{roles}），不能任命为三员：三员不担任生产岗位，请先由安全保密员取消其生产岗位，或另建账号任命。",
                                "Account {login} holds line roles ({roles}) and cannot be appointed an officer: an officer has no line role; have the security officer remove them first, or appoint a new account."),
    "officers.lock_self": ("不能锁定自己的账号 {login}。", "You cannot lock your own account {login}."),
    "officers.bad_role": ("未知的三员角色：{role}", "Unknown officer role: {role}"),
    "officers.bad_date": ("日期格式不正确：{value}（应为 YYYY-MM-DD）",
                          "Bad date: {value} (YYYY-MM-DD)"),
    "officers.audit_title": ("审计记录", "Audit trail"),
    "officers.person": ("人员", "Person"),
    "officers.kind": ("类型", "Kind"),
    "officers.any": ("全部", "any"),
    "officers.from": ("起始日期", "From"),
    "officers.to": ("截止日期", "To"),
    "officers.data": ("详情", "Details"),
    "officers.older": ("更早的记录", "Older entries"),
})

MESSAGES.update({
    # --- 质检台: inspection attempts (次抽检; 一检/二检/终检 are the QC levels), verdict figures
    "qc_desk.inspection": ("第 {round} 次抽检：样本 {size} / 总体 {population}，种子 {seed}",
                           "Inspection attempt {round}: sample {size} of {population}, "
                           "seed {seed}"),
    "qc_desk.verdict": ("合格率 {rate}：抽检 {inspected}，不合格 {defective} 项",
                        "Pass rate {rate}: inspected {inspected}, {defective} defective"),
    "qc_desk.voided": ("此次抽检已作废，不计入抽检次数：抽样后这些案卷的目录有改动：{codes}。"
                       "已记录的问题保留。",
                       "This inspection was voided and counts as no attempt: the catalogue of "
                       "these volumes changed after the draw: {codes}. The findings recorded "
                       "are kept."),
    "qc_desk.voided_next": ("请在本页领取本小批次并重新抽样，抽检改动后的目录。",
                            "Claim this batch on this page and draw a new sample, of the "
                            "catalogue as it is now."),
    "qc_desk.voided_now": ("原抽样已作废（抽样后目录有改动：{codes}）。",
                           "The previous sample was voided (catalogue changed after the "
                           "draw: {codes})."),
    "qc_desk.not_charged": ("原卷，不计责任", "Original paper, nobody charged"),
    "qc_desk.in_sample_items": ("样本件", "Sample items"),
    "qc_desk.sample_item": ("{seq}（第 {start}–{end} 页）", "{seq} (pages {start}–{end})"),
    "qc_desk.sample_item_bare": ("{seq}", "{seq}"),
    "qc_desk.defect_duplicate": (
        "{code} {place}已有同类问题 #{id}（{defect}，{status}）：不重复登记、不重复扣款；"
        "返工后仍不对，请在复检时点“复检不通过”并写明原因。",
        "{code} {place} already has defect #{id} of this kind ({defect}, {status}): not "
        "recorded or charged twice; if still wrong after rework, press “Reject” at "
        "re-inspection and give the reason."),
    "qc_desk.defect_recorded_original": ("已记录：{label}（第 {page} 页），原卷错误，不计责任。",
                                         "Recorded: {label} (page {page}), an error of the "
                                         "original paper, charged to nobody."),
    "qc_desk.left_qc": ("本小批次已不在质检：当前环节 {stage}。",
                        "This batch is no longer at QC: now at {stage}."),
    # --- 返工 at 修图: where the fix is made
    "rework.fix_in_retouch": ("到修图台修正此页", "Fix this page at the retouch desk"),
    "rework.retouch_title": ("我的修图返工", "My retouch reworks"),
    "rework.page": ("第 {page} 页", "page {page}"),
})
