"""Messages of dangan.pagegen (the second, independent page generator)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "pagegen.no_cjk_font": (
        "找不到中文字体（已查找：{paths}），请安装 fonts-noto-cjk、fonts-arphic-ukai 等字体包",
        "No Chinese font found (looked for: {paths}); install fonts-noto-cjk, fonts-arphic-ukai",
    ),
    "pagegen.bad_argument": (
        "页面生成参数有误：{field} = {value}",
        "Bad page generator argument: {field} = {value}",
    ),
}
