"""BagIt packages (the ``bagit`` library): make one with SHA-256 manifests, and verify one
naming every problem file (missing, changed, unexpected) rather than stopping at the first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import bagit

from dangan.storage.checksum import sha256_file


@dataclass
class BagReport:
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.unexpected or self.other)


def make_bag(folder: Path, info: Mapping[str, str]) -> None:
    """Turn ``folder`` into a bag in place (its contents move under ``data/``)."""
    bagit.make_bag(str(folder), bag_info=dict(info), checksums=["sha256"], processes=1)


def _sha256(path: Path) -> str:
    return sha256_file(path)


def verify_bag(path: Path) -> BagReport:
    """Check structure, every payload and tag file against the manifests, and completeness."""
    report = BagReport()
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        report.other.append(str(exc))
        return report
    manifest_only, fs_only = bag.compare_manifests_with_fs()
    report.missing.extend(sorted(manifest_only))
    report.unexpected.extend(sorted(fs_only))
    root = Path(bag.path)
    for rel, hashes in sorted(bag.entries.items()):
        expected = hashes.get("sha256")
        target = root / rel
        if expected is None or not target.is_file():
            if (expected is not None and rel.startswith("data/") and rel not in report.missing) or (expected is not None and not rel.startswith("data/")):
                report.missing.append(rel)
            continue
        report.files += rel.startswith("data/")
        if _sha256(target) != expected:
            report.changed.append(rel)
    if report.ok:
        try:
            bag.validate(processes=1)
        except bagit.BagValidationError as exc:
            report.other.append(str(exc))
    return report
