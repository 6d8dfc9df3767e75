"""Messages of hostile or careless input: look-alike characters, oversized or out-of-range
spreadsheet values."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- look-alike characters in names ---
    "naming.lookalike": ("第 {pos} 个字符 “{char}”（{code}，{kind}）形似 “{like}”，但不是它；请改用半角字符",
                         "character {pos} “{char}” ({code}, {kind}) looks like “{like}” but is not; use the plain (half-width) character"),
    "naming.invisible": ("第 {pos} 个字符是不可见字符（{code}），请删除",
                         "character {pos} is an invisible character ({code}); remove it"),
    "naming.kind.digit": ("非 ASCII 数字", "a digit that is not ASCII"),
    "naming.kind.fullwidth": ("全角字符", "a full-width character"),
    "naming.kind.dash": ("类似连字符的符号", "a dash-like sign"),
    "naming.kind.space": ("特殊空格", "a special space"),
}
