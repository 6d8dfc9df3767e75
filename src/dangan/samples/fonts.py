"""Font lookup with a process-wide cache.

Loading a .ttc face costs milliseconds; a page draws dozens of lines in a handful of sizes,
so faces are cached by (family, weight, size). Only the Debian CJK fonts named in the
project's bootstrap are used, so output is identical on every machine that has them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

from dangan.errors import ConfigError

_NOTO = Path("/usr/share/fonts/opentype/noto")
_WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

# family -> (regular file, bold file, face index of the Simplified Chinese face)
FAMILIES: dict[str, tuple[Path, Path, int]] = {
    "sans": (_NOTO / "NotoSansCJK-Regular.ttc", _NOTO / "NotoSansCJK-Bold.ttc", 2),
    "serif": (_NOTO / "NotoSerifCJK-Regular.ttc", _NOTO / "NotoSerifCJK-Bold.ttc", 2),
    "zenhei": (_WQY, _WQY, 0),
}

FAMILY_NAMES: tuple[str, ...] = tuple(FAMILIES)

Font = ImageFont.FreeTypeFont


@cache
def get_font(family: str, size: int, bold: bool = False) -> Font:
    """The cached face of ``family`` at ``size`` px (not pt: we draw at page resolution)."""
    try:
        regular, heavy, index = FAMILIES[family]
    except KeyError:
        raise ConfigError("samples.font_missing", family=family, path="-") from None
    path = heavy if bold else regular
    try:
        return ImageFont.truetype(str(path), max(6, int(size)), index=index)
    except OSError:
        raise ConfigError("samples.font_missing", family=family, path=str(path)) from None


@cache
def char_width(family: str, size: int, bold: bool, ch: str) -> float:
    """Advance width of one character; cached because line wrapping asks for it constantly."""
    return float(get_font(family, size, bold).getlength(ch))
