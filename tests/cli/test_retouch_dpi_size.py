"""`dangan retouch SRC DST` says which pages it read at the dpi their pixels are (a sheet
filling the frame, exactly A4 at 200 dpi, its file tagged 300 dpi), naming them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from cli.runner import dangan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "imaging"))
from test_retouch_harm_trial import _cover  # the trial's A4 cover page


def _save(path: Path, grey: np.ndarray, dpi: int) -> None:
    out = io.BytesIO()
    Image.fromarray(grey).save(out, "PNG", dpi=(dpi, dpi))
    path.write_bytes(out.getvalue())


def test_the_run_names_pages_read_at_the_dpi_of_their_size(tmp_path: Path) -> None:
    src, dst = tmp_path / "scans", tmp_path / "out"
    src.mkdir()
    _save(src / "0001.png", _cover(), dpi=300)
    done = dangan("retouch", str(src), str(dst), "--workers", "1", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "分辨率：1 页的整张纸占满画面" in said, said
    assert "按像素推定的分辨率处理（200 dpi 1 页）：0001.png" in said, said
    assert "按文件记录的分辨率处理" not in said  # the 300 dpi tag was not used
