"""Messages of the page checks of the retouch engine (skew, borders)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "retouch.review.skew_uncertain": ("未能可靠地测定倾斜角度（图表、照片或文字过少），未纠偏",
                                      "no reliable skew angle (a chart, a photo or too little "
                                      "text); the page was not straightened"),
}
