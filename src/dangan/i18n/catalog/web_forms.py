"""Web forms: the scan station's claim rule for page changes, and what a form keeps."""

MESSAGES = {
    "web_forms.session_expired": (
        "登录已过期，请在新窗口登录后再保存（本页填写的内容仍在）。",
        "Your session has expired: sign in in a new window, then save (what you typed here "
        "is still on this page)."),
    "web_forms.session_login": ("在新窗口登录", "Sign in in a new window"),
    "web_forms.event.web_login": ("登录", "sign-in"),
    "web_forms.event.web_login_failed": ("登录失败", "failed sign-in"),
    "web_forms.event.web_login_locked": ("登录被锁定", "sign-in locked"),
    "web_forms.event.web_logout": ("退出登录", "sign-out"),
    "web_forms.event.web_refused": ("操作被拒绝", "refused action"),
    "web_forms.event.web_account": ("账号变更", "account change"),
    "web_forms.data.path": ("页面", "page"),
    "web_forms.data.reason": ("原因", "reason"),
    "web_forms.data.login": ("登录名", "login"),
    "web_forms.data.client": ("客户端", "client"),
    "web_forms.data.wait": ("等待（秒）", "wait (s)"),
    "web_forms.data.action": ("操作", "action"),
    "web_forms.data.officer": ("三员角色", "officer"),
    "web_forms.data.roles": ("角色", "roles"),
    "web_forms.data.rework_id": ("返工号", "rework no."),
    "web_forms.data.defect_id": ("问题号", "defect no."),
    "web_forms.data.decision": ("结论", "decision"),
    "web_forms.data.inspection_id": ("抽检号", "inspection no."),
    "web_forms.data.rejected_rework_id": ("复检不通过的返工号", "rework rejected at re-inspection"),
}
