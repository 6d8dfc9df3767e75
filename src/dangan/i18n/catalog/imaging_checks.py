"""Messages of the page checks of the retouch engine (skew, borders)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "retouch.review.skew_uncertain": ("未能可靠地测定倾斜角度（图表、照片或文字过少），未纠偏",
                                      "no reliable skew angle (a chart, a photo or too little "
                                      "text); the page was not straightened"),
    # Why a page file could not be read: ``unreadable`` details of the page loader (the
    # other reasons are with the retouch report's messages). The report line names the file.
    "retouch.unreadable.not_an_image": ("不是可读取的图像文件", "not a readable image file"),
    "retouch.unreadable.corrupt_jpeg": ("JPEG 数据已损坏（解码器报告数据错误），请重新扫描",
                                        "the JPEG data is damaged (the decoder reports corrupt "
                                        "data); scan the page again"),
}
