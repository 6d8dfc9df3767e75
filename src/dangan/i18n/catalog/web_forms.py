"""Web forms: the scan station's claim rule for page changes, and what a form keeps."""

MESSAGES = {
    "web_forms.scan.no_batch": (
        "案卷 {volume} 不在任何工作批次中，先领取该卷所在批次的扫描任务，才能在扫描站增删页。",
        "Volume {volume} is in no work batch: claim its batch for scanning before changing "
        "its pages on the scan station."),
}
