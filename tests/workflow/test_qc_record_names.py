"""A QC inspector types a defect type as they know it: its code (skew) or its name (偏斜,
倒页, 错页) — the same defect; an unknown one is refused listing every type with its name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dangan.db.models import Defect
from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.i18n import defect_label
from dangan.services import claims, qc
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from workflow.helpers import add_volumes, line_to, volume_codes


def test_a_defect_type_by_its_name(project: ProjectContext) -> None:
    ctx = project
    add_volumes(ctx, 1, pages=5)
    batch = line_to(ctx, wf.QC, claim=False)
    [code] = volume_codes(ctx, batch)
    inspector = resolve_actor(ctx, "孙检")
    claims.claim(ctx, inspector, batch)
    for typed, page in (("偏斜", 1), ("倒页", 2), ("错页", 3), ("black_border", 4)):
        qc.record_defect(ctx, inspector, code, typed, page_no=page)
    with ctx.transaction() as session:
        recorded = list(session.execute(select(Defect.page_no, Defect.code).where(
            Defect.page_no.is_not(None)).order_by(Defect.page_no)))
    assert recorded == [(1, "skew"), (2, "upside_down"), (3, "wrong_order"),
                        (4, "black_border")]
    with pytest.raises(InputError) as refused:
        qc.record_defect(ctx, inspector, code, "歪了", page_no=5)
    assert refused.value.key == "qc.unknown_defect"
    assert f"skew（{defect_label('skew')}）" in refused.value.params["choices"]
