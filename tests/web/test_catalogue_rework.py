"""A catalogue reworked after QC marked a defect on one of its items: saving it (web desk or
import) keeps every defect — re-linked to the replacing item at the same 顺序号, or its item
kept as data with the link cleared — and every event."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.db.models import Defect, Item, Rework, StageEvent
from dangan.domain import workflow as wf
from dangan.services import indexing
from dangan.services.engine import resolve_actor
from web.images import Pages, add_image_accounts, to_stage
from web.support import Line, login


def _catalogue(line: Line, volume_id: int, rows: list[tuple[int, str, int, int]]) -> None:
    with line.ctx.transaction() as session:
        session.add_all([Item(volume_id=volume_id, seq=s, title=title, page_start=a, page_end=b)
                         for s, title, a, b in rows])


def _every_volume(line: Line, rows: list[tuple[int, str, int, int]]
                  ) -> Callable[[list[Pages]], None]:
    """The same catalogue ``rows`` for each volume, as ``to_stage`` records it at 标引."""
    def record(volumes: list[Pages]) -> None:
        for vol in volumes:
            _catalogue(line, vol.volume_id, rows)
    return record


def _form(csrf: str, rows: list[tuple[str, str, str, str]], correction: str) -> dict[str, object]:
    form: dict[str, object] = {"csrf_token": csrf, "r.title": "民事案件卷",
                               "correction": correction}
    for i, name in enumerate(("seq", "title", "page_start", "page_end")):
        form[f"e.{name}"] = [r[i] for r in rows]
    return form


def _counts(line: Line) -> tuple[int, int]:
    with line.ctx.transaction() as session:
        return (session.scalar(select(func.count(Defect.id))) or 0,
                session.scalar(select(func.count(StageEvent.id))) or 0)


def test_catalogue_rework_keeps_the_defect_marked_on_an_item(app_client: TestClient,
                                                             line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    volumes: list[Pages] = to_stage(line, code, wf.QC, catalogue=_every_volume(  # at 标引
        line, [(1, "起诉状", 1, 1), (2, "判决书", 2, 3)]))
    vid = volumes[0].volume_id
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    assert app_client.post(f"/qc/{code}/sample",
                           data={"csrf_token": csrf, "seed": "5"}).status_code == 303
    marked = app_client.post(f"/qc/{code}/volume/{vid}/defect", data={
        "csrf_token": csrf, "defect": "catalogue", "page_no": "2", "cause": "worker",
        "message": "题名错字"})
    assert marked.status_code == 303, marked.text
    with line.ctx.transaction() as session:
        defect = session.scalar(select(Defect).where(Defect.volume_id == vid))
        assert defect is not None and defect.item_id is not None
        defect_id, old_item = defect.id, defect.item_id
    defects, events = _counts(line)

    # the indexer corrects the catalogue on the web desk: saved, the defect follows item 2
    csrf = login(app_client, "indexer")
    saved = app_client.post(f"/index/{vid}/save", data=_form(
        csrf, [("1", "起诉状", "1", "1"), ("2", "判决书（改）", "2", "3")], "题名改正"))
    assert saved.status_code == 303, saved.text
    with line.ctx.transaction() as session:
        new_item = session.scalar(select(Item).where(Item.volume_id == vid, Item.seq == 2))
        assert new_item is not None and new_item.title == "判决书（改）"
        defect = session.get(Defect, defect_id)
        assert defect is not None and defect.item_id == new_item.id != old_item
        assert defect.data["item_seq"] == 2 and defect.data["item_title"] == "判决书"
        assert defect.status == "open" and defect.message == "题名错字"
    after = _counts(line)
    assert after[0] == defects and after[1] > events  # nothing lost, the save recorded

    # a catalogue without a 2nd item (import, as `dangan index import --replace`): the link
    # is cleared, the item it was about stays recorded on the defect
    with line.ctx.transaction() as session:
        defect = session.get(Defect, defect_id)
        assert defect is not None
        defect.status = "fixed"
    path = line.ctx.home / "one-item.csv"
    path.write_text("档号,顺序号,题名,起始页号,终止页号\n"
                    f"{volumes[0].archive_code},1,起诉状及判决书,1,3\n", encoding="utf-8")
    result = indexing.import_catalogue(line.ctx, resolve_actor(line.ctx, "钱标"), [path],
                                       replace=True, correction="合并为一件")
    assert result.items == 1
    with line.ctx.transaction() as session:
        defect = session.get(Defect, defect_id)
        assert defect is not None and defect.item_id is None and defect.status == "fixed"
        assert defect.data["item_seq"] == 2 and defect.data["item_title"] == "判决书"
    assert _counts(line)[0] == defects



def test_an_index_rework_is_not_done_without_a_catalogue_change(app_client: TestClient,
                                                                 line: Line) -> None:
    """The trial: after 目录与图像不对应 the indexer pressed "done" with nothing changed — refused
    (``rework.no_new_output.index``); the catalogue corrected at the desk, it is done."""
    add_image_accounts(line.ctx)
    code = line.batches[0]
    vid = to_stage(line, code, wf.QC)[0].volume_id
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    assert app_client.post(f"/qc/{code}/sample",
                           data={"csrf_token": csrf, "seed": "5"}).status_code == 303
    assert app_client.post(f"/qc/{code}/volume/{vid}/defect", data={
        "csrf_token": csrf, "defect": "catalogue", "page_no": "2", "cause": "worker",
        "message": "题名与图像不符"}).status_code == 303
    assert app_client.post(f"/qc/{code}/decide", data={"csrf_token": csrf}).status_code == 303
    with line.ctx.transaction() as session:
        rework_id = session.scalar(select(Rework.id).where(Rework.stage == wf.INDEX))
    assert rework_id is not None
    csrf = login(app_client, "indexer")
    refused = app_client.post(f"/rework/{rework_id}/done", data={"csrf_token": csrf},
                              headers={"Accept": "application/json"})
    assert refused.status_code == 409 and refused.json()["key"] == "rework.no_new_output.index"
    with line.ctx.transaction() as session:
        assert session.get(Rework, rework_id).status == "open"  # type: ignore[union-attr]
    saved = app_client.post(f"/index/{vid}/save", data=_form(
        csrf, [("1", "起诉状及判决书", "1", "3")], ""))
    assert saved.status_code == 303, saved.text
    assert app_client.post(f"/rework/{rework_id}/done",
                           data={"csrf_token": csrf}).status_code == 303
    with line.ctx.transaction() as session:
        assert session.get(Rework, rework_id).status == "done"  # type: ignore[union-attr]
