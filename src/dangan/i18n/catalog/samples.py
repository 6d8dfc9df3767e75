"""Messages of dangan.samples (the synthetic scanned-volume generator)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "samples.font_missing": (
        "找不到样本字体 {family}（{path}），请安装 fonts-noto-cjk 和 fonts-wqy-zenhei",
        "Sample font {family} not found ({path}); install fonts-noto-cjk and fonts-wqy-zenhei",
    ),
    "samples.bad_spec": (
        "样本参数有误：{field} = {value}",
        "Bad sample parameter: {field} = {value}",
    ),
    "samples.folder_exists": (
        "样本目录 {path} 已存在且不为空",
        "Sample folder {path} already exists and is not empty",
    ),
}
