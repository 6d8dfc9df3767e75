"""Messages of double keying (一稿双录) at the indexing desk."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "keying.required": ("本项目实行一稿双录：目录须由两人分别录入、第三人核对差异后才能入库，不能直接保存。",
                        "This project keys catalogues twice: two indexers key independently and a "
                        "third resolves the differences before the catalogue is accepted; it "
                        "cannot be saved directly."),
    "keying.not_enabled": ("本项目未启用一稿双录（dangan.toml [catalogue] double_keying）。",
                           "Double keying is not enabled for this project "
                           "(dangan.toml [catalogue] double_keying)."),
    "keying.already_accepted": ("案卷 {code} 的目录已入库，如需修改请直接更正。",
                                "The catalogue of {code} is accepted already; correct it directly."),
    "keying.both_in": ("案卷 {code} 的两遍录入都已提交，等待第三人核对，不能再修改。",
                       "Both keyings of {code} are in and wait for a third person; they can no "
                       "longer be changed."),
    "keying.rejected": ("录入有 {count} 处错误，未提交", "{count} problem(s); the keying was not submitted"),
    "keying.not_both": ("案卷 {code} 还没有两遍独立录入，无可核对。",
                        "{code} does not have two independent keyings yet; nothing to resolve."),
    "keying.keyer_resolves": ("您录入过案卷 {code} 的目录，差异须由第三人核对。",
                              "You keyed the catalogue of {code}; a third person must resolve "
                              "the differences."),
    "keying.bad_choice": ("无效的核对选择", "Invalid choice"),
    "keying.unresolved": ("还有 {count} 处差异未核对，目录未入库",
                          "{count} difference(s) not resolved; the catalogue was not accepted"),
}
