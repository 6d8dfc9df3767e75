"""A catalogue (卷内目录) imported again after its volume was packaged makes the package stale
when it changes what the package's files carry (``readiness.stale_packages``, the one rule):
the link check reports it (``link_package_stale``), the handover is refused
(``handover.stale_package``), an index rework's sign-off and re-inspection wait for the
package (``rework.stale_package``), a QC pass is refused (``qc.stale_package``). What the
files do not carry (remarks, dates, the volume record), or the same catalogue again, leaves
the package as it is; a ZIP carries only the items' page ranges. Each form is judged by its
own last packaging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dangan_index_fixtures import page_jpeg, write_catalogue
from sqlalchemy import select

from dangan.db.models import Defect, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import indexing, qc, rework
from dangan.services.delivery import handover, linking, packaging, readiness
from workflow.helpers import actor, retouch_anew

CODE = "1997-民-0014-0025"
CODE2 = "1997-民-0014-0026"
RECORDS = [[CODE, "张三诉李四", "1997", "永久", 1, 2], [CODE2, "王五诉赵六", "1997", "30年", 1, 2]]


def _indexer(ctx: Any) -> Any:
    return actor(ctx, "钱标", "indexer", "uploader")


def _reimport(ctx: Any, path: Path, first: list[Any], records: list[list[Any]] = RECORDS,
              **kwargs: Any) -> None:
    """The catalogue imported again (replacing), ``first`` the first volume's entry row."""
    catalogue = write_catalogue(path, records,
                                [first, [CODE2, 1, "", "王五", "起诉状", "1997", "1", ""]])
    indexing.import_catalogue(ctx, _indexer(ctx), [catalogue], replace=True, **kwargs)


def _link_stale(ctx: Any) -> list[str | None]:
    return [d.volume for d in linking.check_links(ctx) if d.code == "link_package_stale"]


def test_a_title_changed_after_packaging_makes_the_package_stale(packaged_at_qc: Any,
                                                                  tmp_path: Path) -> None:
    ctx, _ids = packaged_at_qc
    _reimport(ctx, tmp_path / "改.xlsx", [CODE, 1, "", "张三", "民事起诉状", "19970105", "1", ""])
    assert readiness.project_stale_packages(ctx) == [CODE]
    assert _link_stale(ctx) == [CODE]
    with pytest.raises(StateError) as err:
        handover.build_handover(ctx, tmp_path / "out.bag")
    assert err.value.key == "handover.stale_package" and err.value.details == [CODE]
    # past the upload stage with no open rework: packaging it again is a recorded correction
    with pytest.raises(StateError) as err:
        packaging.package(ctx, _indexer(ctx), "pdf", CODE)
    assert err.value.key == "package.volume_locked"
    packaging.package(ctx, _indexer(ctx), "pdf", CODE, correction="题名更正后重新打包")
    assert readiness.project_stale_packages(ctx) == [] and _link_stale(ctx) == []
    assert handover.build_handover(ctx, tmp_path / "out.bag").volumes == 2


def test_what_the_files_do_not_carry_leaves_the_package_current(packaged_at_qc: Any,
                                                                 tmp_path: Path) -> None:
    ctx, _ids = packaged_at_qc
    # the same catalogue again, then another date and remarks, then another volume title
    _reimport(ctx, tmp_path / "同.xlsx", [CODE, 1, "", "张三", "起诉状", "19970105", "1", ""])
    assert readiness.project_stale_packages(ctx) == []
    _reimport(ctx, tmp_path / "注.xlsx", [CODE, 1, "", "张三", "起诉状", "19970106", "1", "附件两页"])
    assert readiness.project_stale_packages(ctx) == []
    _reimport(ctx, tmp_path / "卷.xlsx", [CODE, 1, "", "张三", "起诉状", "19970106", "1", "附件两页"],
              records=[[CODE, "张三诉李四借款纠纷", "1997", "永久", 1, 2], RECORDS[1]])
    assert readiness.project_stale_packages(ctx) == [] and _link_stale(ctx) == []
    assert handover.build_handover(ctx, tmp_path / "out.bag").volumes == 2


def test_a_zip_is_stale_for_its_page_ranges_not_for_a_title(package_one: Any,
                                                             tmp_path: Path) -> None:
    ctx = package_one("zip")
    record = [[CODE, "张三诉李四", "19970101-19971231", "永久", 2, 5]]

    def reimport(name: str, title: str, second_page: int) -> None:
        catalogue = write_catalogue(tmp_path / name, record, [
            [CODE, 1, "(1997)民初字第25号", "张三", title, "19970105", "1", ""],
            [CODE, 2, "", "某某人民法院", "民事判决书", "19970630", str(second_page), ""]])
        indexing.import_catalogue(ctx, _indexer(ctx), [catalogue], replace=True)

    reimport("题名.xlsx", "民事起诉状", 3)  # a ZIP of page images names no title
    assert readiness.project_stale_packages(ctx) == []
    reimport("页号.xlsx", "民事起诉状", 4)  # item 1 is now pages 1-3: other ZIP members
    assert readiness.project_stale_packages(ctx) == [CODE]
    assert _link_stale(ctx) == [CODE]


def test_a_package_recorded_before_it_kept_its_catalogue_is_compared_by_request(
        packaged_at_qc: Any, tmp_path: Path) -> None:
    ctx, _ids = packaged_at_qc
    with ctx.transaction() as session:  # the last packaging recorded as it was before
        for event in session.scalars(select(StageEvent).where(
                StageEvent.kind == wf.EVENT_PACKAGE)).all():
            session.add(StageEvent(project_id=ctx.project_id, kind=wf.EVENT_PACKAGE,
                                   stage=wf.UPLOAD, volume_id=event.volume_id, person="钱标",
                                   data={k: v for k, v in event.data.items() if k not in (
                                       "catalogue", "pages", "catalogue_event")}))
    _reimport(ctx, tmp_path / "同.xlsx", [CODE, 1, "", "张三", "起诉状", "19970105", "1", ""])
    assert readiness.project_stale_packages(ctx) == []
    _reimport(ctx, tmp_path / "改.xlsx", [CODE, 1, "", "张三", "民事起诉状", "19970105", "1", ""])
    assert readiness.project_stale_packages(ctx) == [CODE]


def test_an_index_rework_waits_for_the_package(packaged_at_qc: Any, tmp_path: Path) -> None:
    ctx, ids = packaged_at_qc
    indexer = _indexer(ctx)
    inspector = actor(ctx, "周检", "qc_inspector")
    with ctx.transaction() as session:  # QC finds the title mistyped: back to the indexer
        defect = Defect(project_id=ctx.project_id, volume_id=ids[0], page_no=1,
                        code="catalogue_title", severity="error", source="qc", stage=wf.INDEX,
                        message="第1件题名错字", status="open", data={},
                        responsible_id=indexer.worker_id)
        session.add(defect)
        session.flush()
        rework_id = rework.open_rework_in_session(session, ctx.project_id, defect, "周检").id
    _reimport(ctx, tmp_path / "返工.xlsx", [CODE, 1, "", "张三", "民事起诉状", "19970105", "1", ""])
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, indexer, rework_id, "题名已改")
    assert err.value.key == "rework.stale_package" and CODE in str(err.value)
    assert _link_stale(ctx) == [CODE]
    packaging.package(ctx, indexer, "pdf", CODE)  # the rework is open: no reason needed
    rework.complete_rework(ctx, indexer, rework_id, "题名已改")
    qc.verify_rework(ctx, inspector, rework_id, "题名已对")
    with ctx.transaction() as session:
        assert session.scalar(select(Defect.status)) == "verified"


def test_a_qc_pass_is_refused_while_a_package_is_older_than_the_catalogue(
        any_project: Any, tmp_path: Path) -> None:
    from workflow.helpers import add_people, add_volumes, borrow_and_split, do_stage, pass_qc

    ctx = any_project
    add_people(ctx)
    codes = add_volumes(ctx, 2)
    _no, made = borrow_and_split(ctx, 2)
    batch = made[0]
    for stage, person in ((wf.SORT, "李整"), (wf.SCAN, "张扫"), (wf.RETOUCH, "赵修"),
                          (wf.INDEX, "钱标"), (wf.UPLOAD, "钱标")):
        do_stage(ctx, batch, stage, person)
    with ctx.transaction() as session:  # packaged (as recorded before it kept its catalogue)
        volume = session.scalar(select(Volume).where(Volume.archive_code == codes[0]))
        assert volume is not None
        session.add(StageEvent(project_id=ctx.project_id, kind=wf.EVENT_PACKAGE,
                               stage=wf.UPLOAD, volume_id=volume.id, person="钱标",
                               data={"form": "pdf", "files": 1, "request": "x"}))
    # then its catalogue changed: what the package holds is not that catalogue
    catalogue = write_catalogue(tmp_path / "目录.xlsx", [[codes[0], "张三诉李四", "1997", "永久", 1, 1]],
                                [[codes[0], 1, "", "张三", "起诉状", "1997", "1", ""]])
    indexing.import_catalogue(ctx, actor(ctx, "钱标"), [catalogue], replace=True,
                              correction="题名按原件更正")
    with pytest.raises(StateError) as err:
        pass_qc(ctx, batch, "孙检")
    assert err.value.key == "qc.stale_package" and codes[0] in str(err.value)
    assert codes[1] not in str(err.value)


def test_each_form_is_judged_by_its_own_packaging(packaged_at_qc: Any, tmp_path: Path) -> None:
    """A page retouched anew after the PDF was built and before the ZIP: the PDF is stale
    although the volume's latest packaging is newer than the retouch."""
    ctx, ids = packaged_at_qc
    retouch_anew(ctx, ids[0], 2, page_jpeg(2, (400, 566), seed=4242))
    packaging.package(ctx, _indexer(ctx), "zip", CODE, correction="补交 ZIP")
    assert readiness.project_stale_packages(ctx) == [CODE]
    packaging.package(ctx, _indexer(ctx), "pdf", CODE, correction="第2页重修后重新打包")
    assert readiness.project_stale_packages(ctx) == []
