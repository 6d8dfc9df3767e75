"""Stage areas over fsspec, atomic writes and checksums."""

from dangan.storage.areas import AREAS, Area, Storage
from dangan.storage.checksum import sha256_bytes, sha256_file, sha256_stream

__all__ = ["AREAS", "Area", "Storage", "sha256_bytes", "sha256_file", "sha256_stream"]
