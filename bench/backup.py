"""Backup speed: a first backup, a second (nothing new) and a third after 10 % new files,
beside a plain copy + SHA-256 of the same files on the same disk.

    .venv/bin/python bench/backup.py [--files 2000] [--size-kb 400] [--dir /var/tmp]

The project is SQLite; its stored files are random bytes written through the storage and
recorded as stored files (what ingest records). Prints figures; asserts nothing. Use a real
disk (``--dir``), not /dev/shm, for figures worth comparing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from dangan.db.models import StoredFile, Volume
from dangan.services.project import ProjectContext, init_project
from dangan.services.site import backup
from dangan.storage import Area


def _fill(ctx: ProjectContext, start: int, count: int, size: int) -> None:
    with ctx.transaction() as session:
        volume = Volume(project_id=ctx.project_id, archive_code=f"bench-{start}")
        session.add(volume)
        session.flush()
        for i in range(start, start + count):
            rel = f"{Area.RETOUCHED.value}/v{i // 100:04d}/{i:06d}.jpg"
            data = os.urandom(size)
            sha = ctx.storage.write_bytes(rel, data)
            session.add(StoredFile(project_id=ctx.project_id, volume_id=volume.id,
                                   area=Area.RETOUCHED.key, path=rel, kind="page", sha256=sha,
                                   size=size))


def _plain_copy(src: Path, dst: Path) -> float:
    start = time.perf_counter()
    for path in src.rglob("*.jpg"):
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "rb") as fin, open(target, "wb") as fout:
            digest = hashlib.sha256()
            while block := fin.read(1 << 20):
                digest.update(block)
                fout.write(block)
            fout.flush()
            os.fsync(fout.fileno())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--size-kb", type=int, default=400)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    size = args.size_kb * 1024
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="dangan-bench-backup-") as tmp:
        base = Path(tmp)
        ctx = init_project(base / "proj", "court", name="bench")
        _fill(ctx, 0, args.files, size)
        total_mb = args.files * size / 2**20
        plain = _plain_copy(Path(ctx.storage.root), base / "plain")
        shutil.rmtree(base / "plain")
        out = base / "backup"
        rows = []
        for label in ("first", "second (nothing new)", "third (+10 % files)"):
            if label.startswith("third"):
                _fill(ctx, args.files, args.files // 10, size)
            start = time.perf_counter()
            result = backup.backup(ctx, out)
            rows.append((label, time.perf_counter() - start, result))
        print(f"{args.files} files × {args.size_kb} KB = {total_mb:.0f} MB on {base}")
        print(f"plain copy + SHA-256 + fsync: {plain:.2f} s ({total_mb / plain:.0f} MB/s)")
        for label, seconds, result in rows:
            print(f"backup {label}: {seconds:.2f} s, copied {result.copied}, reused "
                  f"{result.reused} ({seconds / plain:.2f}× the plain copy)")


if __name__ == "__main__":
    main()
