"""Web forms: the scan station's claim rule for page changes, and what a form keeps."""

MESSAGES = {
    "web_forms.scan.no_batch": (
        "案卷 {volume} 不在任何工作批次中，先领取该卷所在批次的扫描任务，才能在扫描站增删页。",
        "Volume {volume} is in no work batch: claim its batch for scanning before changing "
        "its pages on the scan station."),
    "web_forms.session_expired": (
        "登录已过期，请在新窗口登录后再保存（本页填写的内容仍在）。",
        "Your session has expired: sign in in a new window, then save (what you typed here "
        "is still on this page)."),
    "web_forms.session_login": ("在新窗口登录", "Sign in in a new window"),
}
