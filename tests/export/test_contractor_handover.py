"""The handover bag names the digitization company (``[project] contractor``) as its
Source-Organization and in METS as the creator; without one, the client as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from dangan.export.mets import METS
from dangan.services.project import open_project
from export.test_bag_records import _bag


def _info(bag: Path) -> dict[str, str]:
    lines = (bag / "bag-info.txt").read_text("utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def _creators(bag: Path) -> list[tuple[str | None, str | None]]:
    root = etree.fromstring((bag / "data" / "mets.xml").read_bytes())
    return [(a.get("TYPE"), a.findtext(f"{{{METS}}}name"))
            for a in root.findall(f"{{{METS}}}metsHdr/{{{METS}}}agent[@ROLE='CREATOR']")]


def test_the_contractor_hands_the_bag_over(project: Any, tmp_path: Path) -> None:
    toml = project.home / "dangan.toml"
    text = toml.read_text("utf-8").replace('client = ""', 'client = "某县档案馆"')
    toml.write_text(text.replace('contractor = ""', 'contractor = "某数字化服务有限公司"'), "utf-8")
    bag = _bag(open_project(project.home), tmp_path, "out.bag")
    assert _info(bag)["Source-Organization"] == "某数字化服务有限公司"
    assert _creators(bag) == [("ORGANIZATION", "某数字化服务有限公司"), ("OTHER", "dangan")]


def test_without_a_contractor_the_client_as_before(project: Any, tmp_path: Path) -> None:
    toml = project.home / "dangan.toml"
    toml.write_text(toml.read_text("utf-8").replace('client = ""', 'client = "某县档案馆"'), "utf-8")
    bag = _bag(open_project(project.home), tmp_path, "out.bag")
    assert _info(bag)["Source-Organization"] == "某县档案馆"
    assert _creators(bag) == [("OTHER", "dangan")]
