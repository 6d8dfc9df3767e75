"""``dangan retouch -p`` names the pages to look at after the run (volume, page, the finding
in words, capped), and a volume signed while an error-level finding is open says so: by design
the retouch sign-off does not wait, QC sends open errors back as rework before it samples."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import Defect, Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services.project import ProjectContext
from workflow.test_retouch_file_dpi import _at_retouch, measuring_page


def test_the_run_names_the_pages_to_look_at_and_why_an_open_error_does_not_stop_the_signoff(
        project: ProjectContext, tmp_path: Path) -> None:
    scan = np.asarray(Image.open(io.BytesIO(measuring_page(200))).convert("RGB"))
    blurred = cv2.GaussianBlur(scan, (0, 0), 9)
    buf = io.BytesIO()
    Image.fromarray(blurred).save(buf, "JPEG", quality=90)  # no dpi of its own
    ctx, code = _at_retouch(project, tmp_path, buf.getvalue())
    r = dangan("retouch", "-p", str(ctx.home), "-w", "陈修图", "--workers", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    out = _squeeze(r.stdout)
    with ctx.transaction() as session:
        errors = session.execute(select(Defect.page_no, Defect.code).join(
            Volume, Volume.id == Defect.volume_id).where(
            Volume.archive_code == code, Defect.severity == "error",
            Defect.status == "open")).all()
        stage = session.scalar(select(Volume.stage).where(Volume.archive_code == code))
    assert errors == [(1, "blurred")]
    with ctx.transaction() as session:
        stored = session.scalar(select(Defect.message).where(Defect.code == "blurred"))
    # the defect QC and rework read is in words, not the machine detail "sharpness=0.051"
    assert stored is not None and "sharpness=" not in stored
    assert stored.startswith(t("retouch.why.blurred", sharpness="@").split("@")[0])
    assert stage != wf.RETOUCH  # signed: QC sends open errors back as rework before sampling
    # the page is named, with the finding in words (not only "QC found 1 issue(s)")
    line = t("retouch.issue_line", volume=code, page=1, level=t("retouch.level.error"),
             words=t("retouch.why.blurred", sharpness="@")).split("@")[0]
    assert _squeeze(line) in out, r.stdout
    assert _squeeze(t("retouch.issues_head", count=1)) in out
    # read at the project's scan dpi, and said so, naming the page
    assert _squeeze(t("retouch.dpi_fallback_project", count=1, dpi=200,
                      names=f"{code} 1")) in out
    said = t("retouch.signed_with_errors", code=code, count=1, pages="1")
    assert "dangan qc sample" in said
    assert _squeeze(said) in out


def _squeeze(text: str) -> str:
    return "".join(text.split())  # the terminal may fold a long line at any space
