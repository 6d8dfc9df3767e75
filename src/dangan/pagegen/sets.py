"""Write generated pages to a folder: ``<seed>.jpg`` (as scanned) and one ``truth.json``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from dangan.pagegen.generate import GeneratedPage, make_page, make_rescan
from dangan.storage.atomic import atomic_write_text


def write_page(folder: Path, name: str, page: GeneratedPage) -> dict:
    (folder / name).write_bytes(page.data)
    return {"file": name, **page.truth.to_dict()}


def write_set(folder: str | Path, seeds: Iterable[int], *, dpi: int = 200,
              kind: str | None = None, turn: int | None = None, rescans: bool = False
              ) -> list[dict]:
    """Generate one page per seed (and, with ``rescans``, a second scan of each named
    ``<seed>-rescan.jpg``) into ``folder``; returns the truth entries also written to
    ``truth.json``."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for seed in seeds:
        page = make_page(seed, dpi=dpi, kind=kind, turn=turn)
        entries.append(write_page(root, f"{seed}.jpg", page))
        if rescans:
            entries.append(write_page(root, f"{seed}-rescan.jpg", make_rescan(page, seed + 1)))
    doc = {"generator": "dangan.pagegen", "pages": entries}
    atomic_write_text(root / "truth.json", json.dumps(doc, ensure_ascii=False, indent=1))
    return entries
