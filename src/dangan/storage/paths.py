"""Where two folders lie relative to each other (local paths or fsspec URLs)."""

from __future__ import annotations

import os
import posixpath


def _normal(location: str) -> tuple[str, str]:
    """(protocol, absolute normalised path); local paths resolved through symlinks."""
    if "://" in location:
        protocol, rest = location.split("://", 1)
        if protocol != "file":
            return protocol, posixpath.normpath("/" + rest.lstrip("/"))
        location = rest
    return "file", os.path.realpath(os.path.abspath(os.path.expanduser(location)))


def overlaps(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are the same folder or one lies inside the other."""
    proto_a, path_a = _normal(a)
    proto_b, path_b = _normal(b)
    if proto_a != proto_b:
        return False
    if path_a == path_b:
        return True
    sep = "/" if proto_a != "file" else os.sep
    return path_a.startswith(path_b.rstrip(sep) + sep) or path_b.startswith(path_a.rstrip(sep) + sep)
