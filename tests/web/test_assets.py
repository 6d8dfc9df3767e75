"""Vendored front-end files match their manifest, and nothing the pages ship points off the
server (the browser test checks the requests themselves)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import dangan.web

WEB = Path(dangan.web.__file__).parent
VENDOR = WEB / "static" / "vendor"


def test_vendored_files_match_the_manifest() -> None:
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
    listed = set()
    for entry in manifest["packages"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), entry
        assert "LICENSE" in entry["files"] and entry["licence"]
        for name, sha in entry["files"].items():
            path = VENDOR / entry["package"] / name
            assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, path
            listed.add(path)
    on_disk = {p for p in VENDOR.rglob("*") if p.is_file() and p.name != "MANIFEST.json"}
    assert on_disk == listed


def test_templates_and_own_static_files_reference_no_other_host() -> None:
    own = [*(WEB / "templates").rglob("*.html"), *(WEB / "static").glob("*.*")]
    for path in own:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href|action)=[\"']?(?:https?:)?//", text), path
        assert "url(http" not in text and "@import" not in text, path
