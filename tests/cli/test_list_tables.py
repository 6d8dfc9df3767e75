"""``batch list`` and ``borrow list`` on an 80-column terminal: every archive code whole on
one line (never cut to "1997-刑-00…" nor folded), the borrow batches under column headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import BorrowBatch
from dangan.i18n import set_language, t
from dangan.services.batches import list_work_batches
from dangan.services.project import ProjectContext
from workflow.helpers import add_people, add_volumes, borrow_and_split

NARROW = {"COLUMNS": "80"}


@pytest.fixture
def lent(project: ProjectContext) -> ProjectContext:
    add_people(project)
    add_volumes(project, 6, pages=40)
    borrow_and_split(project, 3, pages_per_batch=80)  # two borrow batches, work batches of 2
    borrow_and_split(project, 3, pages_per_batch=80)
    return project


def _header(lang: str, *keys: str) -> list[str]:
    set_language(lang)
    try:
        return [t(k) for k in keys]
    finally:
        set_language(None)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_batch_list_keeps_archive_codes_whole_at_80_columns(lent: ProjectContext,
                                                            lang: str) -> None:
    r = dangan("--lang", lang, "batch", "list", "-p", str(lent.home), env=NARROW)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(cell_len(ln) for ln in lines) <= 80
    infos = list_work_batches(lent)
    assert len(infos) >= 3
    for b in infos:
        for code in (b.code, b.first_code, b.last_code):
            assert any(code in ln for ln in lines), (code, r.stdout)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_borrow_list_has_column_headers(lent: ProjectContext, lang: str) -> None:
    with lent.transaction() as s:  # the first borrow batch is overdue
        first = s.scalar(select(BorrowBatch).where(BorrowBatch.no == 1))
        assert first is not None
        first.due_at = datetime.now(UTC) - timedelta(days=3)
    r = dangan("--lang", lang, "borrow", "list", "-p", str(lent.home), env=NARROW)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(cell_len(ln) for ln in lines) <= 80
    header = " ".join(" ".join(lines[:4]).split())
    for name in _header(lang, "workflow.form.borrow_batch", "workflow.progress.status",
                        "workflow.form.volume_count", "workflow.form.due_at"):
        for word in name.split():  # a header may wrap within its column
            assert word in header, (name, r.stdout)
    rows = [ln for ln in lines if ln.strip("│ ").split("│")[0].strip() in ("1", "2")]
    assert len(rows) == 2, r.stdout
    body = "".join(ln.split("│")[2].strip() for ln in lines if ln.startswith("│"))
    set_language(lang)
    try:
        overdue = t("borrow.status_overdue", status=t("workflow.status.borrowed"))
    finally:
        set_language(None)
    assert body.replace(" ", "").startswith(overdue.replace(" ", "")), r.stdout
