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
    # The resolution a page was read at (``dpi_fallback`` change, ``dpi_uncertain`` review).
    # (the count line: true of every page flagged; each page's line says why, from the detail)
    "retouch.review.dpi_uncertain": ("分辨率不确定：按文件记录的或假定的分辨率，纸张大小不可信（大于 A3，"
                                     "或像素恰为另一常用分辨率下的常用纸张），页面按原像素保留、未缩放，"
                                     "请核对分辨率（可用 --dpi 指定）",
                                     "the resolution is uncertain: at the dpi read or assumed "
                                     "the sheet's size is in doubt (larger than A3, or the "
                                     "pixels are exactly a usual paper size at another dpi); "
                                     "kept at its pixels, not scaled; check its dpi (set it "
                                     "with --dpi)"),
    # One page's line (``dpi_uncertain_words``): the dpi read and where from, what it makes.
    "retouch.review.dpi_uncertain_words": ("分辨率不确定：{why}，{what}；页面按原像素保留、未缩放，"
                                           "请核对分辨率（可用 --dpi 指定）",
                                           "the resolution is uncertain: {why}; {what}; kept "
                                           "at its pixels, not scaled; check its dpi (set it "
                                           "with --dpi)"),
    "retouch.dpi_why.untagged": ("文件未记录分辨率，按扫描分辨率 {assumed} dpi 处理",
                                 "the file has no resolution tag: read at the scan dpi, "
                                 "{assumed}"),
    "retouch.dpi_why.rejected": ("文件记录的 {file_dpi} dpi 不合理，按扫描分辨率 {assumed} dpi 处理",
                                 "the file's {file_dpi} dpi is implausible: read at the scan "
                                 "dpi, {assumed}"),
    "retouch.dpi_why.file": ("按文件记录的 {assumed} dpi 处理", "read at the file's own {assumed} dpi"),
    "retouch.dpi_what.frame": ("整幅图像为 {frame_mm} mm，大于 A3（含扫描台边）",
                               "the image is {frame_mm} mm, larger than A3 on a scanner bed"),
    "retouch.dpi_what.sheet": ("找到的纸张为 {sheet_mm} mm，大于 A3",
                               "the sheet found is {sheet_mm} mm, larger than A3"),
    "retouch.dpi_what.pixels": ("整幅图像为 {frame_mm} mm，但像素恰为 {size}@{dpi}dpi；纸张旁有扫描台边，"
                                "像素无法判断是哪一种",
                                "the image is {frame_mm} mm, but its pixels are exactly {size} "
                                "at {dpi} dpi; with scanner bed beside the sheet they cannot "
                                "tell which"),
    "retouch.review.dpi_uncertain_detail": ("分辨率不确定：按 {assumed} dpi 处理，页面未缩放",
                                            "the resolution is uncertain: read at {assumed} dpi, "
                                            "the page was not scaled"),
    "retouch.change.dpi_rejected": ("文件记录的分辨率 {file_dpi} dpi 不合理（按它整幅图像为 {frame_mm} mm，"
                                    "不是卡片大小至 A3（含扫描台边）之间的纸张），已弃用，按 {dpi} dpi 处理",
                                    "the file's {file_dpi} dpi was rejected: at it the image "
                                    "would be {frame_mm} mm, no sheet from a card to A3 on a "
                                    "scanner bed; read at {dpi} dpi instead"),
    # Findings on the page as delivered (``dangan.imaging.qc``): its resolution, its conversion.
    "retouch.defect.low_dpi": ("分辨率过低", "low resolution"),
    "retouch.why.low_dpi": ("分辨率仅 {dpi} dpi，低于档案数字化最低要求 {min} dpi",
                            "only {dpi} dpi, below the archival minimum of {min} dpi"),
    "retouch.defect.converted": ("已转换格式（仅供参考）", "converted (for information)"),
    "retouch.why.converted": ("原文件为 {source}，已转换为 {target} 处理",
                              "the file is {source}; it was converted to {target} to be read"),
    # A 16-bit file whose data are fewer bits (a scanner's 10/12/14-bit data): read by that
    # depth (detail ``source=16-bit,target=8-bit,bits=12``; ``Decoded.data_bits``).
    "retouch.why.converted_bits": ("原文件为 {source}（实际数据为 {bits} 位），已按 {bits} 位数据"
                                   "转换为 {target} 处理",
                                   "the file is {source} holding {bits}-bit data; it was "
                                   "converted to {target} by that depth to be read"),
    # The stored pixels were turned (mirrored) as the file's EXIF Orientation tag says, to be
    # the page as every viewer shows it (``Decoded.exif_turn``, ``exif_mirror``): information
    # on the page as delivered, detail ``turn=90``.
    "retouch.defect.exif_turned": ("按 EXIF 方向标记转正（仅供参考）",
                                   "turned by its EXIF orientation tag (for information)"),
    "retouch.why.exif_turned": ("文件的 EXIF 方向标记表明图像应旋转显示，已按标记顺时针旋转 {turn}° 后处理",
                                "the file's EXIF orientation tag says its image is shown turned; "
                                "it was turned {turn}° clockwise as the tag says before "
                                "processing"),
    "retouch.defect.exif_mirrored": ("按 EXIF 方向标记镜像（仅供参考）",
                                     "mirrored by its EXIF orientation tag (for information)"),
    "retouch.why.exif_mirrored": ("文件的 EXIF 方向标记表明图像应镜像显示，已按标记左右镜像并顺时针旋转 "
                                  "{turn}° 后处理",
                                  "the file's EXIF orientation tag says its image is shown "
                                  "mirrored; it was mirrored left to right and turned {turn}° "
                                  "clockwise as the tag says before processing"),
}
