"""A verdict counts a unit outside the sample that holds a defect found in the inspection as
inspected (it was looked at): the message says it apart — "抽检 5 件 + 样本外 1 件" — never
"抽检 6" for a draw of five."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from dangan.db.models import StageEvent
from dangan.domain import workflow as wf
from dangan.i18n import set_language, t
from dangan.services import claims, qc
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from faults.support import env_for
from workflow.helpers import add_volumes, line_to, volume_codes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue


def test_an_item_outside_the_sample_is_said_apart(project: ProjectContext,
                                                  tmp_path: Path) -> None:
    ctx = project
    codes = add_volumes(ctx, 2)
    catalogue = write_catalogue(  # eight one-page items: a draw of five (min_items)
        tmp_path / "目录.xlsx", [[c, f"案卷{c[-1]}", "1997", "永久", 4, 4] for c in codes],
        [[c, k, "", "某某法院", f"第{k}件", "19970630", str(k), ""]
         for c in codes for k in (1, 2, 3, 4)])
    batch = line_to(ctx, wf.QC, claim=False, catalogue=catalogue)  # imported at 标引
    assert volume_codes(ctx, batch) == codes
    inspector = resolve_actor(ctx, "孙检")
    claims.claim(ctx, inspector, batch)
    drawn = qc.draw_sample(ctx, inspector, batch, seed=5)
    assert drawn.population == 8 and len(drawn.units) == 5
    sampled = {(u["archive_code"], u["key"]) for u in drawn.units}
    code, seq = next((c, k) for c in codes for k in (1, 2, 3, 4) if (c, k) not in sampled)
    qc.record_defect(ctx, inspector, code, "catalogue", item_seq=seq)
    env = {k: v for k, v in env_for(ctx).items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run([sys.executable, "-m", "dangan", "qc", "decide", batch, "-w", "孙检",
                           "-p", str(ctx.home)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "抽检 5 件 + 样本外 1 件" in said and "抽检 6" not in said, said
    assert t("qc.failed", rate="83.3%", inspected="5 件 + 样本外 1 件", defective=1,
             critical=0, reworks=1) in said
    with ctx.transaction() as session:
        data = session.scalars(select(StageEvent.data).where(
            StageEvent.kind == wf.EVENT_QC_DECISION)).one()
    assert (data["inspected"], data["sampled"], data["outside"], data["unit"]) == \
        (6, 5, 1, "item")
    assert qc.inspected_words(5, 0, "item") == "5 件"
    set_language("en")
    assert qc.inspected_words(5, 1, "item") == "5 item(s) + 1 outside the sample"
    assert qc.inspected_words(3, 0, "page") == "3 page(s)"
