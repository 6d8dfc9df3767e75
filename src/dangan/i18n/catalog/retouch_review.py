"""Messages of the retouch engine's "do no harm" rule: review reasons and what was changed."""

MESSAGES: dict[str, tuple[str, str]] = {
    "retouch.defect.needs_review": ("需人工复核", "needs review"),
    "retouch.review_line": ("    {reason}（{name}）：{count} 页", "    {reason} ({name}): {count} pages"),
    "retouch.ignored": ("{count} 个文件不是页面图像，未处理：{files}",
                        "{count} file(s) are not page images and were not retouched: {files}"),
    # Why a page was left as it was (or partly so) for a person to look at.
    "retouch.review.sheet_uncertain": ("未能可靠地找到纸张边缘，保留整幅图像未裁边",
                                       "the sheet could not be found with confidence; the whole "
                                       "frame was kept, nothing was cropped or painted"),
    "retouch.review.content_outside_sheet": ("纸张边缘以外有内容，未裁边、未涂白",
                                             "content reaches beyond the detected sheet; nothing "
                                             "was cropped or painted there"),
    "retouch.review.orientation": ("页面方向无法确定，未旋转", "orientation uncertain; the page "
                                   "was not turned"),
    "retouch.review.multi_page": ("多页文件只处理了第一页", "a multi-page file: only its first "
                                  "page was retouched"),
    "retouch.review.content_lost": ("输出中有内容丢失", "content was lost in the output"),
    "retouch.review.content_cut": ("内容超出输出页面（被裁切）", "content falls outside the output "
                                   "page (cut)"),
    "retouch.review.scaled_down": ("内容大于输出页面，已缩小", "the content is larger than the "
                                   "output page and was scaled down"),
    "retouch.review.hole_unsure": ("疑似装订孔未填补", "a possible binding hole was left as it is"),
    # What was done to a page.
    "retouch.change.turned": ("已旋转", "turned"),
    "retouch.change.deskewed": ("已纠偏", "deskewed"),
    "retouch.change.bed_removed": ("已去除扫描底色", "scanner bed removed"),
    "retouch.change.hole_filled": ("已填补装订孔", "binding hole filled"),
    "retouch.change.scaled": ("已缩放", "scaled"),
    "retouch.change.dpi_fallback": ("文件记录的分辨率不合理，按项目扫描分辨率处理",
                                    "the file's resolution is implausible; the project's scan "
                                    "dpi was used"),
}
