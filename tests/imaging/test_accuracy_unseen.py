"""Do no harm, on pages no tuning has seen: held-out seeds of the second generator.

Pages come from ``dangan.pagegen`` with seeds from ``TEST_SEEDS`` (800_000+), which nothing
is developed or tuned on, one of each kind of archive page (horizontal and vertical script,
forms, tables, handwriting, carbon copies, photos, landscape sheets, receipts, a chart whose
legend squares are the size of binding holes) on white, grey and black beds, one under
strongly uneven light, plus turned copies. Each page goes through the whole pipeline and is
judged from its ground truth by ``dangan.imaging.accuracy.assess``.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dangan.imaging.accuracy import Outcome, Truth, assess
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.pagegen import TEST_SEEDS, make_page

SEED = TEST_SEEDS.start
LAMP = {"light": "lamp", "light_depth": 0.4}  # one side 40 % darker: uneven light
UPRIGHT: tuple[tuple[str, str, dict | None], ...] = (
    ("letter", "black", None), ("vertical", "grey", None), ("form", "white", None),
    ("table", "black", None), ("handwritten", "grey", None), ("carbon", "black", None),
    ("photo", "white", None), ("landscape", "black", None), ("sparse", "grey", None),
    ("vertical", "black", None), ("chart", "black", None), ("letter", "grey", LAMP))
TURNED = (("letter", 180), ("vertical", 180), ("table", 90), ("form", 270))


def _run(seed: int, kind: str, turn: int, bed: str | None, scan: dict | None = None
         ) -> tuple[str, Outcome]:
    page = make_page(seed, kind=kind, turn=turn, bed=bed, scan=scan)
    tr = page.truth
    band = (tr.curl_edge, 25 * tr.dpi / 25.4) if tr.curl_edge else None
    truth = Truth(turn=tr.turn, text_page=tr.text_page, clean_to_scan=tr.matrix,
                  content=page.content_mask,
                  holes=tuple((h.clean_x, h.clean_y, h.clean_r) for h in tr.holes),
                  skip_band=band)
    result = retouch_bytes(page.data, RetouchOptions(holes=True, trust_file_dpi=True))
    out = None
    if result.data is not None:
        out = cv2.imdecode(np.frombuffer(result.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
    return f"{kind}:{seed}@{turn}", assess(grey, truth, out, result.matrix, result.report)


@pytest.fixture(scope="module")
def upright() -> list[tuple[str, Outcome]]:
    return [_run(SEED + i, kind, 0, bed, scan) for i, (kind, bed, scan) in enumerate(UPRIGHT)]


@pytest.fixture(scope="module")
def turned() -> list[tuple[str, Outcome]]:
    return [_run(SEED + 100 + i, kind, turn, None) for i, (kind, turn) in enumerate(TURNED)]


@pytest.mark.slow
def test_no_upright_page_is_turned(upright: list[tuple[str, Outcome]]) -> None:
    assert [name for name, o in upright if not o.upright] == []


@pytest.mark.slow
def test_turned_pages_are_put_right_or_flagged(turned: list[tuple[str, Outcome]]) -> None:
    assert [name for name, o in turned if not o.upright and not o.flagged] == []


@pytest.mark.slow
def test_no_content_is_lost(upright: list[tuple[str, Outcome]],
                            turned: list[tuple[str, Outcome]]) -> None:
    lost = [(name, round(o.ink_kept, 3)) for name, o in upright + turned if o.content_lost]
    assert lost == []


@pytest.mark.slow
def test_no_hole_is_filled_where_there_is_none(upright: list[tuple[str, Outcome]],
                                               turned: list[tuple[str, Outcome]]) -> None:
    assert [(name, o.false_fills) for name, o in upright + turned if o.false_fills] == []


@pytest.mark.slow
def test_real_holes_are_filled(upright: list[tuple[str, Outcome]]) -> None:
    real = sum(o.holes_real for _n, o in upright)
    filled = sum(o.holes_filled for _n, o in upright)
    missed = [(name, o.holes_real - o.holes_filled) for name, o in upright
              if o.holes_filled < o.holes_real]
    assert real > 0 and filled >= 0.98 * real, (filled, real, missed)


@pytest.mark.slow
def test_text_pages_come_out_straight(upright: list[tuple[str, Outcome]]) -> None:
    skew = {name: round(abs(o.residual_skew), 3) for name, o in upright
            if o.residual_skew is not None}
    assert np.mean(list(skew.values())) <= 0.1 and max(skew.values()) <= 0.5, skew


@pytest.mark.slow
@pytest.mark.xfail(reason="QC still flags fine vertical-script and handwritten pages "
                          "(orientation tools disagree, border residue)", strict=True)
def test_fine_pages_are_rarely_flagged(upright: list[tuple[str, Outcome]]) -> None:
    """On Chinese pages at most 10 % of upright pages that came out fine are flagged."""
    fine = [(name, o) for name, o in upright if not o.should_flag]
    flagged = [name for name, o in fine if o.flagged]
    assert len(flagged) <= 0.1 * len(fine), flagged


@pytest.mark.slow
def test_damaged_pages_are_flagged(upright: list[tuple[str, Outcome]],
                                   turned: list[tuple[str, Outcome]]) -> None:
    assert [name for name, o in upright + turned if o.damaged and not o.flagged] == []
