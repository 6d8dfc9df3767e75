"""The digitization company (加工单位, ``[project] contractor``): written empty by ``init``
with its comment, read from dangan.toml, named in METS as the creator beside the client as
custodian, and the bag's Source-Organization; empty, the client is named as before."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from dangan.export.mets import METS, build_mets
from dangan.services.project import init_project, open_project


@pytest.mark.parametrize("template", ["court", "wenshu"])
def test_init_writes_the_setting_and_it_is_read(tmp_path: Path, template: str) -> None:
    ctx = init_project(tmp_path / "p", template, name="县档案数字化", client="某县档案馆")
    toml = ctx.home / "dangan.toml"
    text = toml.read_text("utf-8")
    assert 'contractor = ""' in text and "加工单位" in text
    lines = text.splitlines()
    # the id init writes sits after the name, never between the comment and its setting
    at = next(i for i, line in enumerate(lines) if line.startswith("contractor"))
    assert lines[at - 1].startswith("#") and "加工单位" in "".join(lines[at - 3:at])
    name = next(i for i, line in enumerate(lines) if line.startswith("name ="))
    assert lines[name + 1].startswith(f'id = "{ctx.config.project.id}"')
    assert ctx.config.project.contractor == ""
    assert ctx.config.project.source_organization == "某县档案馆"
    toml.write_text(text.replace('contractor = ""', 'contractor = "某数字化服务有限公司"'), "utf-8")
    again = open_project(ctx.home)
    assert again.config.project.contractor == "某数字化服务有限公司"
    assert again.config.project.source_organization == "某数字化服务有限公司"


def _agents(xml: bytes) -> list[tuple[str | None, str | None, str | None]]:
    root = etree.fromstring(xml)
    return [(a.get("ROLE"), a.get("TYPE"), a.findtext(f"{{{METS}}}name"))
            for a in root.findall(f"{{{METS}}}metsHdr/{{{METS}}}agent")]


def test_mets_names_the_contractor_as_creator() -> None:
    at = datetime(2026, 11, 27, tzinfo=UTC)
    made = build_mets([], "县档案数字化", "某县档案馆", at, creator="某数字化服务有限公司")
    assert _agents(made) == [("CUSTODIAN", "ORGANIZATION", "某县档案馆"),
                             ("CREATOR", "ORGANIZATION", "某数字化服务有限公司"),
                             ("CREATOR", "OTHER", "dangan")]
    assert _agents(build_mets([], "县档案数字化", "某县档案馆", at)) == [
        ("CUSTODIAN", "ORGANIZATION", "某县档案馆"), ("CREATOR", "OTHER", "dangan")]
