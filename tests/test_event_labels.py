"""Every kind of audit event the code records has words in the message catalogue: a volume's
history showed the raw key ``workflow.event.renumber``."""

from __future__ import annotations

import re
from pathlib import Path

from dangan.domain import workflow as wf
from dangan.i18n import catalogue

SRC = Path(__file__).resolve().parents[1] / "src" / "dangan"


def _recorded_kinds() -> set[str]:
    kinds: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for at in (m.end() for m in re.finditer(r"StageEvent\(", text)):
            call = text[at:at + 400]
            if found := re.search(r'kind="([a-z_]+)"', call):
                kinds.add(found[1])
            elif found := re.search(r"kind=wf\.(EVENT_[A-Z_]+)", call):
                kinds.add(getattr(wf, found[1]))
    return kinds


def test_every_recorded_event_kind_has_words() -> None:
    kinds = _recorded_kinds()
    assert {"renumber", "volume_update", wf.EVENT_SIGNOFF} <= kinds  # the scan finds them
    zh_en = catalogue()
    missing = sorted(k for k in kinds if f"workflow.event.{k}" not in zh_en)
    assert missing == []
