"""The handover bag's record files (records/*.csv) in the client's words.

Every value the client reads is a label from the message catalogue in the project's language
(stage, event, defect type, severity, where a defect was found, status, verdict), times are
local and to the second, a QC sample is described as archive codes and page or item numbers,
and nothing is internal: no raw codes, no command advice, no JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dangan.db.models import Defect, QCInspection, Rework, StageEvent
from dangan.domain import workflow as wf
from dangan.export.csv_text import csv_for_people
from dangan.i18n import catalogue, join, t

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def local_time(at: datetime | None) -> str:
    """Local time to the second (stored times are UTC; SQLite returns them naive)."""
    if at is None:
        return ""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone().strftime(TIME_FORMAT)


def label(key: str, fallback_key: str = "bag.value.other") -> str:
    """A catalogue text without parameters, else the text for a value without a label."""
    pair = catalogue().get(key)
    return t(key) if pair is not None and "{" not in pair[0] else t(fallback_key)


def defect_label(code: str) -> str:
    pair = catalogue().get(f"defect.{code}.label")
    return t(f"defect.{code}.label") if pair is not None else label(f"defect.{code}",
                                                                   "bag.defect.other")


def defect_note(defect: Defect) -> str:
    """What the person who recorded the defect wrote (a check's own message is internal)."""
    data = defect.data or {}
    params = data.get("params") or {}
    note = str(params.get("note") or data.get("note") or "").strip()
    if note or defect.source not in ("qc", "line", "borrow"):
        return note
    return (defect.message or "").strip()


def sample_text(sample: Any) -> str:
    """A QC sample in words: each volume's archive code and the pages or items drawn."""
    by_volume: dict[str, list[str]] = {}
    for unit in sample or []:
        if not isinstance(unit, Mapping):
            continue
        key = f"qc.sample_unit.{unit.get('unit', '')}"
        words = t(key, key=unit.get("key", "")) if key in catalogue() else t("bag.value.other")
        by_volume.setdefault(str(unit.get("archive_code", "")), []).append(words)
    return t("bag.sample.sep").join(t("bag.sample.volume_units", code=code, units=join(units))
                                    for code, units in by_volume.items())


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """For the client's people (Excel, WPS): no cell is a formula (``csv_for_people``). The
    bag's manifest is made from the bytes written, so ``handover verify`` checks them as
    they are."""
    path.write_bytes(csv_for_people(headers, rows))


def write_record_csvs(dest: Path, *, events: Sequence[StageEvent], defects: Sequence[Defect],
                      inspections: Sequence[QCInspection], reworks: Sequence[Rework],
                      code_of: Mapping[int, str], batch_code: Mapping[int, str],
                      borrow_no: Mapping[int, int], names: Mapping[int, str]) -> None:
    """过程记录.csv, 问题记录.csv, 质检记录.csv and 返工记录.csv into ``dest``."""
    by_id = {d.id: d for d in defects}
    write_csv(dest / "过程记录.csv",
              [t(f"bag.col.{c}") for c in ("archive_code", "work_batch", "borrow_batch", "time",
                                           "stage", "event", "person", "remarks")],
              [[code_of.get(e.volume_id or 0, ""), batch_code.get(e.work_batch_id or 0, ""),
                borrow_no.get(e.borrow_batch_id or 0, ""), local_time(e.at),
                label(f"stage.{e.stage}") if e.stage else "",
                label(f"workflow.event.{e.kind}"), e.person, _event_remarks(e, by_id)]
               for e in events])
    write_csv(dest / "问题记录.csv",
              [t(f"bag.col.{c}") for c in ("archive_code", "item", "page", "problem", "severity",
                                           "found_by", "status", "note", "found_at")],
              [[code_of.get(d.volume_id or 0, ""), (d.data or {}).get("item_seq") or "",
                d.page_no or "", defect_label(d.code), label(f"intake.severity.{d.severity}"),
                label(f"bag.source.{d.source}"), label(f"bag.defect_status.{d.status}"),
                defect_note(d), local_time(d.found_at)] for d in defects])
    write_csv(dest / "质检记录.csv",
              [t(f"bag.col.{c}") for c in ("work_batch", "round", "inspector", "seed",
                                           "population", "sample", "verdict", "pass_rate",
                                           "decided_at")],
              [[batch_code.get(i.work_batch_id, ""), i.round, names.get(i.inspector_id or 0, ""),
                i.seed, i.population, sample_text(i.sample),
                label(f"reports.verdict.{i.decision}", "bag.verdict.none") if i.decision
                else t("bag.verdict.none"),
                "" if i.pass_rate is None else f"{i.pass_rate:.1%}", local_time(i.decided_at)]
               for i in inspections])
    write_csv(dest / "返工记录.csv",
              [t(f"bag.col.{c}") for c in ("archive_code", "stage", "assignee", "reason",
                                           "status", "opened_at", "done_at", "verified_at")],
              [[code_of.get(r.volume_id or 0, ""), label(f"stage.{r.stage}"),
                names.get(r.assignee_id or 0, ""), _rework_reason(r, by_id.get(r.defect_id or 0)),
                label(f"rework.status.{r.status}"), local_time(r.created_at),
                local_time(r.done_at), local_time(r.verified_at)] for r in reworks])


def _described(defect: Defect) -> str:
    return f"{defect_label(defect.code)} {defect_note(defect)}".strip()


def _rework_reason(rework: Rework, defect: Defect | None) -> str:
    """The defect's label and the recorder's words (the stored reason is written for the
    worker and may hold advice on how to redo the work)."""
    return rework.reason if defect is None else _described(defect)


def _event_remarks(event: StageEvent, defects: Mapping[int, Defect]) -> str:
    """An event's remarks; a rework's, written for the worker, as the defect described."""
    if event.kind == wf.EVENT_REWORK_OPEN:
        defect = defects.get(int((event.data or {}).get("defect_id") or 0))
        if defect is not None:
            return _described(defect)
    return event.remarks
