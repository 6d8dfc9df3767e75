"""``dangan defects``: the open findings one by one — which volume, which page, what in words —
so a retoucher or project manager can work through them (the retouch run names them once;
``status`` only counts them)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from sqlalchemy import update

from cli.runner import dangan
from dangan.db.models import Defect
from dangan.i18n import t
from dangan.services.project import ProjectContext
from workflow.test_retouch_file_dpi import _at_retouch, measuring_page


def _squeeze(text: str) -> str:
    return "".join(text.split())


def test_the_open_findings_are_listed_by_volume_and_page_in_words(
        project: ProjectContext, tmp_path: Path) -> None:
    scan = np.asarray(Image.open(io.BytesIO(measuring_page(200))).convert("RGB"))
    buf = io.BytesIO()
    Image.fromarray(cv2.GaussianBlur(scan, (0, 0), 9)).save(buf, "JPEG", quality=90)
    ctx, code = _at_retouch(project, tmp_path, buf.getvalue())
    assert dangan("retouch", "-p", str(ctx.home), "-w", "陈修图", "--workers", "1").returncode == 0

    listed = dangan("defects", "-p", str(ctx.home), "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["volume"], r["page"], r["code"], r["severity"], r["status"]) for r in rows] == [
        (code, 1, "blurred", "error", "open")]
    assert "sharpness=" not in rows[0]["message"]  # in words, as the run said it

    table = _squeeze(dangan("defects", "-p", str(ctx.home)).stdout)
    assert _squeeze(code) in table and _squeeze(rows[0]["message"])[:4] in table  # it may fold
    assert _squeeze(t("defects.count", count=1, errors=1)) in table
    assert _squeeze(t("defects.source_retouch")) in table

    english = json.loads(dangan("--lang", "en", "defects", "-p", str(ctx.home), "--json").stdout)
    assert english[0]["message"].startswith("blurred (sharpness ")  # the reader's language
    assert rows[0]["message"].startswith("图像模糊（清晰度 ")
    with ctx.transaction() as session:  # stored as machine text by an older release
        session.execute(update(Defect).values(message="模糊 sharpness=0.049"))
    again = json.loads(dangan("defects", "-p", str(ctx.home), "--json").stdout)
    assert again[0]["message"] == rows[0]["message"]  # in words all the same

    with ctx.transaction() as session:  # dealt with: gone from the default list, kept in --all
        session.execute(update(Defect).values(status="fixed"))
    assert _squeeze(t("defects.none")) in _squeeze(dangan("defects", "-p", str(ctx.home)).stdout)
    everything = json.loads(dangan("defects", "-p", str(ctx.home), "--all", "--json").stdout)
    assert [r["status"] for r in everything] == ["fixed"]

    other = dangan("defects", "-p", str(ctx.home), "--volume", "1999-民-9999-9999")
    assert other.returncode == 5  # not found, as the README's exit-code table says
    assert _squeeze(t("workflow.volume_not_found", code="1999-民-9999-9999")) in _squeeze(
        other.stdout + other.stderr)
    mine = json.loads(dangan("defects", "-p", str(ctx.home), "--volume", code, "--all",
                             "--json").stdout)
    assert len(mine) == 1
