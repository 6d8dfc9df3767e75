"""Stage areas over fsspec, atomic writes and checksums."""

from dangan.storage.areas import AREAS, Area, Storage
from dangan.storage.atomic import atomic_write_bytes, atomic_write_text, fsync_dir, replace_durably
from dangan.storage.checksum import sha256_bytes, sha256_file, sha256_stream

__all__ = [
    "AREAS", "Area", "Storage", "atomic_write_bytes", "atomic_write_text", "fsync_dir",
    "replace_durably", "sha256_bytes", "sha256_file", "sha256_stream",
]
