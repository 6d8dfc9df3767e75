"""ZIP delivery: one ZIP per item holding its page JPEGs unchanged (stored, not deflated:
JPEG does not compress further and stored members are byte-identical and fast)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from dangan.errors import InputError


def item_zip(members: Sequence[tuple[str, bytes]]) -> bytes:
    if not members:
        raise InputError("package.no_pages")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.flag_bits |= 0x800  # names are UTF-8 (Chinese archive codes)
            zf.writestr(info, data)
    return buf.getvalue()


def zip_members(data: bytes) -> list[tuple[str, int]]:
    """(name, size) of each member after a CRC check; InputError if the archive is broken."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise InputError("package.bad_zip", detail=bad)
            return [(i.filename, i.file_size) for i in zf.infolist()]
    except zipfile.BadZipFile as exc:
        raise InputError("package.bad_zip", detail=str(exc)) from exc
