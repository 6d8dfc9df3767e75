"""Messages of the storage root (a local path or a mounted NAS share)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "storage.root_missing": (
        "存储根目录 {path} 不存在：NAS 是否已挂载？dangan 不会在本机磁盘上重新创建它"
        "（只有 dangan init 创建存储根目录）",
        "The storage root {path} does not exist: is the NAS mounted? dangan does not recreate it "
        "on the local disk (only dangan init creates a storage root)"),
    "storage.root_empty": (
        "存储根目录 {path} 中没有任何阶段目录（{areas}）：像是未挂载的挂载点，拒绝在本机磁盘上写入",
        "The storage root {path} holds none of the stage folders ({areas}): it looks like an "
        "unmounted mount point; refused to write on the local disk"),
    "storage.permission_denied": (
        "无法读取（权限不足）：{path}（请检查运行 dangan 的用户对它及其上级目录的权限）",
        "Cannot read (permission denied): {path} (check the permissions of the user running "
        "dangan on it and the folders above it)"),
}
