"""Texts of a volume's pages against the client's register (登记页数): the rebind refusal,
the return list's columns, the progress and batch pages, and the binding agreement's
versions and trial approval."""

MESSAGES: dict[str, tuple[str, str]] = {
    # --- a volume's pages: registered, numbered, ingested ---
    "pages.check.words": ("登记 {registered} 页，已扫描 {scanned} 页",
                          "{registered} pages registered, {scanned} scanned"),
    "pages.check.words_numbered": ("登记 {registered} 页，整理编页 {numbered} 页，已扫描 {scanned} 页",
                                   "{registered} pages registered, {numbered} numbered at "
                                   "sorting, {scanned} scanned"),
    "pages.check.with_reason": ("页数不符：{words}；装订时记录的原因：{reason}（{by} {at}）",
                                "Pages differ: {words}; reason recorded at rebinding: {reason} "
                                "({by} {at})"),
    "pages.check.no_reason": ("页数不符：{words}；未记录原因，请与委托方核对",
                              "Pages differ: {words}; no reason recorded, check with the client"),
    # --- the rebind guard ---
    "rebind.accepted_differs": ("其中 {count} 卷页数不符（缺页或与登记页数不同）仍装订（已记入案卷历史）：{codes}；原因：{reason}",
                                "Of these, {count} volume(s) rebound though their pages differ "
                                "(missing, or not the registered count; recorded in their "
                                "history): {codes}; reason: {reason}"),
    "rebind.missing_page_web": (
        "{code} 整理时编页 {numbered} 页，只入库 {scanned} 页图像（缺页）；原件确实缺页时在“页数不符仍装订的原因”栏写明原因，再点“装订完成签字”",
        "{code}: {numbered} pages numbered at sorting but only {scanned} ingested (missing "
        "page); if the original lacks them, give the reason in “Why rebind though the pages "
        "differ”, then press “Sign the rebinding”"),
    "rebind.register_differs": (
        "{code} 页数与登记不符（{words}）；请与委托方核对，确需按现状装订时用 rebind sign --accept-missing 写明原因",
        "{code}: the pages differ from the register ({words}); check with the client, and to "
        "rebind as it is give the reason with rebind sign --accept-missing"),
    "rebind.register_differs_web": (
        "{code} 页数与登记不符（{words}）；请与委托方核对，确需按现状装订时在“页数不符仍装订的原因”栏写明原因，再点“装订完成签字”",
        "{code}: the pages differ from the register ({words}); check with the client, and to "
        "rebind as it is give the reason in “Why rebind though the pages differ”, then press "
        "“Sign the rebinding”"),
    "workflow.event.pages_differ_accepted": ("页数与登记不符仍装订（已与委托方核对，原因见备注）",
                                             "rebound though the pages differ from the register "
                                             "(checked with the client; reason in remarks)"),
    # --- the reason recorded afterwards (rebindings signed before it was required) ---
    "return.pages_differ_no_reason": (
        "{code} 页数与登记不符（{words}），装订时未记录原因：请与委托方核对后，由装订员或项目经理补记原因：dangan rebind sign {batch} --volume {code} --accept-missing 原因 -w 姓名",
        "{code}: the pages differ from the register ({words}) and no reason was recorded at "
        "rebinding: check with the client, then a binder or the project manager records the "
        "reason: dangan rebind sign {batch} --volume {code} --accept-missing REASON -w NAME"),
    "rebind.reason_recorded": (
        "已补记 {count} 卷页数不符仍装订的原因（未重新签字）：{codes}；原因：{reason}",
        "Reason recorded afterwards for {count} volume(s) rebound though their pages differ "
        "(nothing signed again): {codes}; reason: {reason}"),
    "rebind.reason_blank": (
        "页数不符仍装订的原因为空：请在 --accept-missing 后写明原因（如“原件缺页，已与委托方核对”）",
        "The reason for rebinding though the pages differ is blank: write it after "
        "--accept-missing (e.g. \"missing from the original, checked with the client\")"),
    "rebind.reason_nothing": (
        "小批次 {batch} 已装订的案卷中没有页数不符而未记录原因的，未记录",
        "No volume of work batch {batch} was rebound with differing pages and no reason: "
        "nothing recorded"),
    "rebind.reason_not_rebound": (
        "{code} 不是小批次 {batch} 中已装订、待还卷的案卷，未记录",
        "{code} is not a volume of work batch {batch} rebound and waiting for the return: "
        "nothing recorded"),
    # --- the binding agreement: trial volumes out of the archive room, versions, approval ---
    "rebind.trial_not_out": (
        "试装订案卷须是已借出、尚未归还的案卷；{codes} 不在加工现场（未借出、借卷未经档案室确认或已归还），未记录约定",
        "Trial volumes must be borrowed and not yet returned; {codes} not out of the archive "
        "room (not borrowed, borrowing not confirmed, or returned): nothing recorded"),
    "rebind.agreement_exists": (
        "已有装订方式约定（第 {version} 版：{method}，{by} {at} 签字），原约定不覆盖；确需更改时须写明更改原因，作为新版本记录",
        "A binding method is already agreed (version {version}: {method}, signed by {by} "
        "{at}) and is not overwritten; to change it, give the reason and it is recorded as a "
        "new version"),
    "rebind.agreement_changed": (
        "装订方式约定已更改（第 {version} 版，{by} {at} 签字）：请查看新约定及其试装订案卷后再验收",
        "The binding method was changed (version {version}, signed by {by} {at}): look at the "
        "new agreement and its trial volumes before approving"),
    "rebind.trial_already_approved": ("试装订已确认（{at}，{by}），未重复记录",
                                      "The trial volumes were already approved ({at}, {by}); "
                                      "nothing recorded again"),
    "records.binding.replace_reason": ("更改原因（已有约定时必填，原约定保留）",
                                       "Reason for the change (required when a method is "
                                       "agreed; the earlier one is kept)"),
    "records.binding.version": ("版本", "Version"),
    "records.binding.version_of": ("第 {version} 版", "version {version}"),
    "records.binding.replaced_because": ("第 {version} 版，更改原因：{reason}",
                                         "version {version}, changed because: {reason}"),
    "records.binding.earlier": ("此前的约定（已被更改，保留在记录中）",
                                "Earlier agreements (changed, kept in the records)"),
    "records.binding.earlier_row": ("第 {version} 版：{method}，{by} {at} 签字；试装订案卷 {trial}",
                                    "version {version}: {method}, signed by {by} {at}; trial "
                                    "volumes {trial}"),
    # --- the binding page's wording of refusals the CLI words by its options ---
    "rebind.no_agreement_web": ("尚未与档案室领导确认装订方式：请档案室负责人在本页“约定装订方式”处签字确认",
                                "No binding method agreed with the archive-room lead yet: the "
                                "lead signs it under “Agree the binding method” on this page"),
    "rebind.trial_required_web": ("请在“试装订案卷（档号）”栏填写试装订案卷",
                                  "Give the trial volumes in “Trial volumes (archive codes)”"),
    "rebind.lead_required_web": ("装订方式须由档案室领导签字确认（以档案室人员账号登录后签字）",
                                 "The binding method must be signed by the archive-room lead "
                                 "(signed in with an archive-room account)"),
    # --- the 审计 page's labels of the data these records add ---
    "web_forms.data.registered": ("登记页数", "pages registered"),
    "web_forms.data.register_differs": ("与登记页数不符", "differs from the register"),
    "web_forms.data.replaces": ("替换的装订约定号", "replaces binding agreement no."),
    "web_forms.data.replace_reason": ("更改原因", "reason for the change"),
    # --- the return list ---
    "return.col.registered": ("登记页数", "Registered pages"),
    "return.registered_changed": ("{now}（借出时 {then}）", "{now} (at borrowing {then})"),
    "return.col.scanned": ("实际页数（已扫描）", "Actual pages (scanned)"),
    "return.col.page_note": ("页数不符及原因", "Page difference and reason"),
    "return.page_differs_count": ("其中 {count} 卷页数与登记不符（见“页数不符及原因”栏），请委托方核对后签字",
                                  "{count} volume(s) whose pages differ from the register (see "
                                  "“Page difference and reason”): the client checks before "
                                  "signing"),
    # --- the web progress and batch pages ---
    "web.progress.page_differs": ("登记页数与已扫描页数不符的案卷", "Volumes whose pages differ from the register"),
    "web.progress.page_differs_more": ("另有 {count} 卷未列出", "{count} more not listed"),
}
