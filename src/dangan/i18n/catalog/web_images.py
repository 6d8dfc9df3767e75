"""Messages of image work in the browser: the page viewer, QC, retouch, indexing and scan desks."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- viewer ---
    "web_images.no_volume": ("案卷不存在：{volume}", "No such volume: {volume}"),
    "web_images.no_page": ("案卷 {volume} 没有第 {page} 页的图像。",
                           "Volume {volume} has no image of page {page}."),
    "web_images.bad_kind": ("不支持的图像类型：{kind}", "Unsupported image kind: {kind}"),
    "web_images.viewer.title": ("图像浏览：{code}", "Pages of {code}"),
    "web_images.viewer.page": ("第 {page} 页", "Page {page}"),
    "web_images.viewer.prev": ("上一页", "Previous page"),
    "web_images.viewer.next": ("下一页", "Next page"),
    "web_images.viewer.zoom_in": ("放大", "Zoom in"),
    "web_images.viewer.zoom_out": ("缩小", "Zoom out"),
    "web_images.viewer.home": ("适合窗口", "Fit"),
    "web_images.viewer.rotate": ("旋转视图", "Rotate view"),
    "web_images.viewer.full": ("全屏", "Full screen"),
    "web_images.viewer.keys": ("键盘：PageUp/PageDown 或 ←/→ 翻页，+/- 缩放，R 旋转，F 全屏",
                               "Keys: PageUp/PageDown or ←/→ to page, +/- zoom, R rotate, "
                               "F full screen"),
    "web_images.viewer.no_pages": ("此案卷尚无页面图像。", "This volume has no page images yet."),
    "web_images.viewer.open": ("查看图像", "View pages"),
}
