"""A finding of the page engine reads in words wherever a person sees it — the rework list,
the volume page — not as its machine detail (``sharpness=0.062``)."""

from __future__ import annotations

from dangan.db.models import Defect
from dangan.i18n import set_language
from dangan.services.retouch import defect_words
from dangan.services.rework import defect_text


def _retouch_defect(code: str, detail: str) -> Defect:
    return Defect(project_id=1, code=code, source="retouch", severity="warning",
                  message=f"{code} {detail}",
                  data={"path": "x/0001.jpg", "detail": detail, "key": f"retouch.defect.{code}",
                        "params": {}})


def test_a_retouch_finding_reads_in_words() -> None:
    set_language("zh")
    text = defect_text(_retouch_defect("blurred", "sharpness=0.062"))
    assert "sharpness" not in text and "=" not in text
    assert text == defect_words("blurred", "sharpness=0.062")
    assert "0.062" in text  # the measure is kept, in words
    set_language("en")
    try:
        english = defect_text(_retouch_defect("black_border", "residue=0.040 side=left"))
        assert "residue" not in english and "%" in english
        assert english == defect_words("black_border", "residue=0.040 side=left")
    finally:
        set_language("zh")


def test_a_defect_recorded_by_a_person_keeps_its_catalogue_text() -> None:
    set_language("zh")
    person = Defect(project_id=1, code="skew", source="qc", severity="error", message="偏斜",
                    data={"key": "defect.skew", "params": {}, "detail": "第 3 页左上"})
    assert defect_text(person).endswith("第 3 页左上")
