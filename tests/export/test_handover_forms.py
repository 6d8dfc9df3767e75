"""With ``[delivery] forms = ["pdf", "zip"]`` the handover bag and the link data cover every
configured form by default (``--form`` still narrows), and the command says which forms."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dangan_index_fixtures import add_volume, write_catalogue
from lxml import etree
from openpyxl import load_workbook

from dangan.services import indexing
from dangan.services.delivery import packaging
from workflow.helpers import actor

CODE = "1997-民-0014-0025"


def dangan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture
def two_forms(project: Any, tmp_path: Path) -> Any:
    toml = Path(project.home) / "dangan.toml"
    text = toml.read_text("utf-8")
    assert 'forms = ["pdf"]' in text
    toml.write_text(text.replace('forms = ["pdf"]', 'forms = ["pdf", "zip"]'), "utf-8")
    add_volume(project, CODE, 3, size=(400, 566))
    path = write_catalogue(tmp_path / "目录.xlsx", [[CODE, "案卷", "", "", 2, 3]],
                           [[CODE, 1, "", "a", "起诉状", "19970105", "1", ""],
                            [CODE, 2, "", "b", "判决书", "1997", "2", ""]])
    who = actor(project, "钱标", "indexer", "uploader")
    indexing.import_catalogue(project, who, [path])
    packaging.package(project, who, "pdf")
    return project


def test_handover_refuses_until_every_configured_form_is_packaged_then_holds_them_all(
        two_forms: Any, tmp_path: Path) -> None:
    home = str(two_forms.home)
    bag = tmp_path / "out.bag"
    r = dangan("handover", "build", str(bag), "-p", home)
    assert r.returncode == 9 and "zip" in r.stderr, r.stdout + r.stderr  # zip not packaged
    assert not bag.exists()
    packaging.package(two_forms, actor(two_forms, "钱标"), "zip")
    r = dangan("handover", "build", str(bag), "-p", home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pdf、zip" in r.stdout and "data/files/zip/" in r.stdout
    files = bag / "data" / "files"
    assert sorted(p.name for p in files.iterdir()) == ["pdf", "zip"]
    assert sorted(p.name for p in (files / "zip" / CODE).iterdir()) == [f"{CODE}-001.zip", f"{CODE}-002.zip"]
    assert "4 个交付文件" in r.stdout
    mets = (bag / "data" / "mets.xml").read_text("utf-8")
    assert f"files/zip/{CODE}/{CODE}-001.zip" in mets and f"files/pdf/{CODE}/{CODE}-001.pdf" in mets
    items = [[c.value for c in row] for row in
             load_workbook(bag / "data" / "linkdata" / "挂接数据.xlsx")["卷内"].iter_rows()]
    assert sorted((r[0], r[1], r[11]) for r in items[1:]) == [
        (CODE, 1, "pdf"), (CODE, 1, "zip"), (CODE, 2, "pdf"), (CODE, 2, "zip")]
    assert dangan("handover", "verify", str(bag)).returncode == 0
    narrow = tmp_path / "pdf-only.bag"
    r = dangan("handover", "build", str(narrow), "-p", home, "--form", "pdf")
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(p.name for p in (narrow / "data" / "files").iterdir()) == ["pdf"]
    again = dangan("handover", "build", str(bag), "-p", home)
    assert again.returncode == 0 and "未重复生成" in again.stdout, again.stdout + again.stderr


def test_link_export_and_check_default_to_every_configured_form(two_forms: Any, tmp_path: Path) -> None:
    home = str(two_forms.home)
    packaging.package(two_forms, actor(two_forms, "钱标"), "zip")
    out = tmp_path / "挂接.xml"
    r = dangan("link", "export", "-p", home, "--format", "xml", "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    root = etree.parse(str(out)).getroot()
    paths = [f.get("path") for f in root.findall("volume/item/file")]
    assert paths == [f"pdf/{CODE}/{CODE}-001.pdf", f"zip/{CODE}/{CODE}-001.zip",
                     f"pdf/{CODE}/{CODE}-002.pdf", f"zip/{CODE}/{CODE}-002.zip"]
    r = dangan("link", "export", "-p", home, "--format", "xml", "-o", str(out), "--form", "zip")
    assert r.returncode == 0
    assert [f.get("format") for f in etree.parse(str(out)).getroot().findall("volume/item/file")] == ["zip", "zip"]
    r = dangan("link", "check", "-p", home)
    assert r.returncode == 0 and "4 个交付文件（pdf、zip）" in r.stdout, r.stdout + r.stderr
