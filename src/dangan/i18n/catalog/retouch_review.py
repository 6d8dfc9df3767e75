"""Messages of the retouch engine's "do no harm" rule: review reasons and what was changed."""

MESSAGES: dict[str, tuple[str, str]] = {
    "retouch.defect.needs_review": ("需人工复核", "needs review"),
    "retouch.review_line": ("    {reason}（{name}）：{count} 页", "    {reason} ({name}): {count} pages"),
    "retouch.ignored": ("{count} 个文件不是页面图像，未处理：{files}",
                        "{count} file(s) are not page images and were not retouched: {files}"),
    # Why a page was left as it was (or partly so) for a person to look at.
    "retouch.review.sheet_uncertain": ("未能可靠地找到纸张边缘，保留整幅图像：未裁边，未涂去底色",
                                       "the sheet could not be found with confidence; the whole "
                                       "frame was kept: nothing was cropped, no bed was painted"),
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
    "retouch.review.faint_content": ("页面上只有很淡的痕迹（铅笔、复写、褪色字迹或背面透印），"
                                     "方向与倾斜未能按文字判断；请核对，勿直接当作空白页处理",
                                     "the page holds only very faint marks (pencil, carbon "
                                     "copy, faded writing or show-through); its orientation "
                                     "and skew could not be judged from its text — check it, "
                                     "do not treat it as blank"),
    "retouch.review.little_writing": ("页面上只有零星笔迹（页码、签名？），不是空白页：请人工查看，勿当作空白页删除",
                                      "the page holds only a little writing (a page number, a "
                                      "signature?) — not a blank page: a person should look; "
                                      "do not remove it as blank"),
    "retouch.review.corner_cut": ("页角折叠或缺失，折角下的内容可能被遮住：请展平后重扫，或核对原件",
                                  "a corner is folded over or missing; what lies under a "
                                  "fold may be hidden: unfold it and scan again, or check "
                                  "the original"),
    "retouch.review.torn_edge": ("纸张边缘有破口，破口处露出扫描底色：原件破损处的内容可能缺失或折在背面，请核对原件",
                                 "a tear in the sheet's edge shows the scanner bed: what was "
                                 "there may be missing or folded behind — check the original"),
    "retouch.review.skew_disputed": ("文字行与纸张边缘的倾斜角度不一致（粘贴的票据歪斜，或复印歪斜），"
                                     "未纠偏，请人工判断",
                                     "the text lines and the sheet's edge lie at different "
                                     "angles (a slip glued on askew, or a copy printed "
                                     "askew); not straightened — a person should decide"),
    "retouch.review.shrunk": ("页面缩小超过 5% 才放入输出页面，尺寸与分辨率已不符原件（多为白色底板上未找到纸张边缘而保留整幅图像，"
                              "或纸张大于输出页面）：请核对，必要时按纸张裁切或改用更大的输出页面",
                              "the page was shrunk by more than 5 % to fit the output page, so "
                              "its size and resolution no longer match the original (mostly a "
                              "sheet on a white bed whose edge was not found, kept whole, or a "
                              "sheet larger than the page size): check it; crop to the sheet or "
                              "use a larger page size if need be"),
    "retouch.review.dark_scan": ("扫描过暗：纸张亮度不足 128/255（正常纸张在 150 以上），"
                                 "可能曝光不足或扫描仪灯管老化；请核对，必要时重新扫描",
                                 "the scan is very dark: the paper is below 128/255 bright "
                                 "(paper is normally above 150) — underexposed, or the scanner's "
                                 "lamp is failing; check it and scan again if need be"),
    "retouch.review.exif_mirrored": ("文件的 EXIF 方向标记要求镜像显示，已按标记镜像：扫描仪一般不写镜像标记，"
                                     "请核对文字是否为正像",
                                     "the file's EXIF orientation tag says it is shown mirrored "
                                     "and it was mirrored so: scanners do not write mirror tags — "
                                     "check that the text reads the right way"),
    "retouch.review.bilevel_tones": ("页面有成片的灰色调（照片、网纹印刷或底纹），黑白二值化会丢失这些细节："
                                     "请核对，必要时改用灰度或彩色模式",
                                     "the page has an area of mid-tones (a photograph, halftone "
                                     "print or shading), which black and white loses: check it, "
                                     "and use grey or colour mode if need be"),
    "retouch.review.bilevel_colour": ("彩色印章或彩色字迹压在文字上，黑白二值化后与文字同为黑色，遮住了文字："
                                      "请改用彩色（或灰度）模式",
                                      "coloured ink (a red seal, coloured writing) lies over "
                                      "text and comes out as black as the text, covering it: "
                                      "use colour (or grey) mode"),
    "retouch.review.bilevel_light_marks": ("较浅的痕迹（背面透字、复写件背面的字、浅色印章或铅笔）紧挨较深的文字，"
                                           "黑白二值化后同为黑色并与文字粘连：请核对，必要时改用灰度或彩色模式",
                                           "lighter marks (the back showing through, a carbon "
                                           "copy's back, a light stamp or pencil) lie close to "
                                           "darker text and come out as black as it, fused with "
                                           "it: check the page, and use grey or colour mode if "
                                           "need be"),
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
    "retouch.change.dpi_from_size": ("图像像素恰为常用纸张在常用分辨率下的尺寸，按该分辨率处理"
                                     "（文件未记录分辨率或记录与之不符）",
                                     "the image's pixels are exactly a usual paper size at a "
                                     "usual dpi; read at that dpi (the file's tag was missing "
                                     "or disagreed)"),
    # The pages to look at after a run: one line per page and finding, in words.
    "retouch.issues_head": ("需要查看的页面（{count} 处）：", "Pages to look at ({count} finding(s)):"),
    "retouch.issue_line": ("{volume}　第 {page} 页　{level}：{words}",
                           "{volume}  page {page}  {level}: {words}"),
    "retouch.issue_line_file": ("{path}　{level}：{words}", "{path}  {level}: {words}"),
    "retouch.issues_more": ("……另有 {count} 处未列出，全部见 {where}",
                            "… and {count} more, all of them in {where}"),
    "retouch.issues_where_report": ("报告 {path}", "the report {path}"),
    "retouch.issues_where_folder": ("--report 写出的报告", "the report written with --report"),
    "retouch.issues_where_project": ("修图台（/retouch）和 --report 写出的报告",
                                     "the retouch desk (/retouch) and the report written with "
                                     "--report"),
    "retouch.words_more": ("{words}（{more}）", "{words} ({more})"),
    "retouch.level.error": ("错误", "error"),
    "retouch.level.warning": ("提示", "warning"),
    # A QC finding's measurement in words (``retouch.why.<code>``, from the defect's detail).
    "retouch.why.skew": ("修图后仍偏斜 {after}°", "still skewed by {after}° after retouch"),
    "retouch.why.black_border": ("输出页边缘留有扫描底色（边缘 {percent}% 为深色）",
                                 "scanner bed left at the output's edge ({percent}% of the edge "
                                 "is dark)"),
    "retouch.why.hole": ("找到 {found} 个装订孔，填补了 {filled} 个",
                         "{found} binding hole(s) found, {filled} filled"),
    "retouch.why.blurred": ("图像模糊（清晰度 {sharpness}）", "blurred (sharpness {sharpness})"),
    "retouch.why.content_at_edge": ("内容超出页面边缘 {margin}，可能被裁切",
                                    "content runs {margin} past the page edge and may be cut"),
    "retouch.why.content_at_edge_cut": ("扫描范围在页面{side}边切断了内容（{marks} 处笔画伸出画面），"
                                        "纸张没有扫全，请重新扫描",
                                        "the scan cut content off at the page's {side} edge "
                                        "({marks} strokes run out of the frame): the sheet was "
                                        "not scanned whole, scan it again"),
    "retouch.why.black_border_side": ("输出页{side}边留有扫描底色（该边 {percent}% 为深色）",
                                      "scanner bed left at the output's {side} edge ({percent}% "
                                      "of that edge is dark)"),
    # A side of the output page, in a finding's words.
    "retouch.side.top": ("上", "top"),
    "retouch.side.right": ("右", "right"),
    "retouch.side.bottom": ("下", "bottom"),
    "retouch.side.left": ("左", "left"),
    "retouch.why.blank_page": ("空白页（墨迹仅占 {percent}%）", "blank page (ink covers only "
                               "{percent}%)"),
    # Why a page could not be read (``retouch.unreadable.<kind>``, from the detail's first part).
    "retouch.unreadable.empty_file": ("文件为空（0 字节）", "the file is empty (0 bytes)"),
    "retouch.unreadable.truncated": ("文件不完整（被截断）", "the file is truncated"),
    "retouch.unreadable.corrupt": ("文件损坏或不是图像", "the file is damaged or not an image"),
    "retouch.unreadable.too_small": ("图像太小，不是一页扫描件", "the image is too small to be a "
                                     "scanned page"),
    "retouch.unreadable.too_large": ("图像过大，拒绝解码", "the image is too large to decode"),
    "retouch.unreadable.no_page": ("文件中没有这一页", "the file has no such page"),
    "retouch.unreadable.read_error": ("文件无法从存储读取：{where}",
                                      "the file could not be read from the storage: {where}"),
    # Not the page's own fault: a failed page of the run, never a defect of the page.
    "retouch.unreadable.storage_unreachable": ("存储不可达：{where} 不存在（NAS 断开或未挂载？），"
                                               "这一页未写出",
                                               "the storage is unreachable: {where} is not "
                                               "there (NAS disconnected or unmounted?); the "
                                               "page was not written"),
    "retouch.unreadable.write_error": ("无法写入存储：{where}", "could not write to the "
                                       "storage: {where}"),
    "retouch.unreadable.output_clash": ("与 {others} 输出到同一文件 {target}，都未修图；"
                                        "请改名其中一个后重新运行",
                                        "{others} would be written to the same output "
                                        "{target}: neither was retouched; rename one and run "
                                        "again"),
    "retouch.unreadable.worker_lost": ("处理这一页的进程意外退出（已重试一次）",
                                       "the process working on this page died (retried once)"),
    "retouch.unreadable.error": ("处理这一页时出错", "the page could not be processed"),
    # Why the orientation was left as it was (the detail of ``needs_review`` orientation).
    "retouch.orientation.orientation_little_text": ("文字太少，无法判断方向",
                                                    "too little text to tell the orientation"),
    "retouch.orientation.orientation_tools_disagree": ("各识别工具判断的方向不一致",
                                                       "the text readers disagree on the "
                                                       "orientation"),
    "retouch.orientation.orientation_uncertain": ("方向判断不够可靠", "the orientation reading "
                                                  "is not sure enough"),
    "retouch.orientation.orientation_reading_disagrees": ("文字识别结果与其他判断相反",
                                                          "reading the text contradicts the "
                                                          "other tools"),
    "retouch.orientation.orientation_tool_missing": ("缺少方向识别工具", "a text reader for "
                                                     "orientation is missing"),
    # A volume held for a person: a page the engine was not sure of (``services.retouch.hold``).
    "retouch.hold.volume": ("案卷 {code}：未签“{stage}”——{count} 页自动修图没有把握，原样保留，等人查看（第 {pages} 页）",
                            "Volume {code}: “{stage}” not signed — on {count} page(s) the "
                            "automatic retouch was not sure and left the page as it was, for "
                            "a person to look at (pages {pages})"),
    "retouch.hold.volume_refused": ("案卷 {code}：不能签“{stage}”——{count} 页自动修图没有把握，尚无人查看（第 {pages} 页）",
                                    "Volume {code}: “{stage}” cannot be signed — {count} "
                                    "page(s) the automatic retouch was not sure of have not "
                                    "been looked at (pages {pages})"),
    "retouch.hold.page": ("{code} 第 {page} 页：{words}", "{code} page {page}: {words}"),
    "retouch.hold.more": ("……另有 {count} 行（修图台上逐页列出）",
                          "… and {count} more line(s) (listed page by page on the retouch "
                          "desk)"),
    "retouch.hold.todo": ("下一步：在修图台（/retouch）逐页查看这些页——无误就“接受此页”，"
                          "否则“替换此页”，上传手工修好的文件；也可在命令行："
                          "dangan page accept 档号 --page 页号 -w 修图员 --reason 说明，"
                          "或 dangan page replace 档号 手工修好的文件 --page 页号 -w 修图员。"
                          "都处理后再运行一次修图（dangan retouch -w 修图员，或修图台的“运行自动修图”），"
                          "这些卷即签字，小批次在所有案卷签字后才进入{next}",
                          "Next: look at each of these pages on the retouch desk (/retouch) — "
                          "“Accept this page” when it is right, else “Replace this page” with "
                          "a hand-fixed file; or on the command line: dangan page accept CODE "
                          "--page N -w RETOUCHER --reason TEXT, or dangan page replace CODE "
                          "FILE --page N -w RETOUCHER. Then run retouch again (dangan retouch "
                          "-w RETOUCHER, or “Run retouch” on the desk) to sign these volumes; "
                          "the work batch moves on to {next} once all its volumes are "
                          "signed"),
    "retouch.hold.refused": ("{count} 卷共 {pages} 页自动修图没有把握，尚无人查看，不能签“修图”（{first} 等）",
                             "{count} volume(s) have {pages} page(s) the automatic retouch "
                             "was not sure of and nobody has looked at yet: retouch cannot "
                             "be signed ({first}…)"),
    "retouch.hold.summary": ("{count} 卷等人查看后再签字（{pages} 页）",
                             "{count} volume(s) wait for a person before they are signed "
                             "({pages} page(s))"),
    # ``dangan page accept`` / ``dangan page replace``: a flagged page settled by hand.
    "retouch.page.accepted": ("{code} 第 {page} 页已接受（免除 {waived} 个提示）",
                              "{code} page {page} accepted ({waived} warning(s) waived)"),
    "retouch.page.replaced": ("{code} 第 {page} 页已替换为第 {version} 版：{path}（SHA-256 {sha}…，"
                              "{settled} 个提示已处理）",
                              "{code} page {page} replaced by version {version}: {path} "
                              "(SHA-256 {sha}…, {settled} warning(s) settled)"),
    "retouch.page.still_held": ("案卷 {code} 还有 {count} 页等人查看（第 {pages} 页）",
                                "Volume {code} still has {count} page(s) for a person to look "
                                "at (pages {pages})"),
    "retouch.page.none_held": ("案卷 {code} 已没有等人查看的页面：再运行一次修图（dangan retouch -w 修图员）即签“修图”",
                               "Volume {code} has no page left for a person: run retouch "
                               "again (dangan retouch -w RETOUCHER) to sign it for retouch"),
    "retouch.page.no_file": ("文件不存在或无法读取：{path}", "File not found or unreadable: {path}"),
}
