"""Carry out a renumber plan in a volume folder under a journal, so a crash never loses a page.

Protocol (one volume folder, local disk, renames are atomic):

1. the journal ``.dangan-renumber.json`` is written (state ``staging``) with every rename;
2. each moving file is renamed to a hidden staging name, each removed file into
   ``.dangan-removed/``, each inserted file copied (verified by SHA-256) to a staging name;
3. the journal is switched to ``staged`` — the commit point;
4. staging names are renamed to their final numbers; a receipt records the result; the
   journal is deleted.

A run killed before (3) is rolled back by the next run; after (3) it is completed. Hidden
names are never pages, so at no moment do two files carry one number, and no file is ever
deleted: removed pages stay in ``.dangan-removed/``.

Idempotent by request: the journal and the receipt carry the request's key (its parameters and
the checksums of the files to insert) and a fingerprint of the folder (names, sizes and
modification times of its pages) before and after. A rerun of a request that was completed —
by the run itself or by the recovery of an interrupted one — finds the receipt's key and the
folder still as the request left it, and reports "already applied" instead of applying the
request a second time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dangan.domain.pages import RenumberPlan
from dangan.errors import ConflictError
from dangan.intake.locks import folder_lock
from dangan.storage.areas import fsync_dir as _fsync_dir
from dangan.storage.atomic import atomic_write_text
from dangan.storage.checksum import sha256_bytes, sha256_file

JOURNAL = ".dangan-renumber.json"
RECEIPT = ".dangan-renumber-done.json"
REMOVED_DIR = ".dangan-removed"
STAGE_PREFIX = ".dangan-rn-"
CHANGES_LOG = ".dangan-changes.jsonl"
CRASH_ENV = "DANGAN_CRASH_AT"  # tests: SIGKILL this process at the named point


def crash_point(name: str) -> None:
    """Kill the process here when the environment names this point (fault-injection tests)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def write_json_atomic(path: str, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False))


def visible_listing(volume_dir: str) -> list[str]:
    return sorted(n for n in os.listdir(volume_dir) if not n.startswith(".dangan-"))


def folder_fingerprint(volume_dir: str) -> str:
    """The pages of a folder as they stand: names, sizes, modification times (renames keep them)."""
    rows = []
    for name in visible_listing(volume_dir):
        st = os.stat(os.path.join(volume_dir, name), follow_symlinks=False)
        rows.append([name, st.st_size, st.st_mtime_ns])
    return sha256_bytes(json.dumps(rows, ensure_ascii=False).encode())


def page_identity(volume_dir: str, name: str) -> str:
    """One page file as a person saw it: its size and modification time (a rename keeps
    them, so the page that slid into a removed page's name has another); "" when absent."""
    try:
        st = os.stat(os.path.join(volume_dir, name), follow_symlinks=False)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def request_key(request: dict[str, Any], insert_sha: Sequence[str]) -> str:
    """What was asked, independent of the folder's state (``before`` is the caller's listing)."""
    asked = {k: v for k, v in request.items() if k != "before"}
    blob = json.dumps({"request": asked, "inserts": list(insert_sha)}, sort_keys=True,
                      ensure_ascii=False, default=str)
    return sha256_bytes(blob.encode())


def _write_receipt(volume_dir: str, journal: dict[str, Any]) -> None:
    write_json_atomic(os.path.join(volume_dir, RECEIPT), {
        "key": journal["key"], "run": journal.get("run"), "request": journal.get("request"),
        "before": journal.get("before"), "after": folder_fingerprint(volume_dir),
        "final": visible_listing(volume_dir)})


def already_applied(volume_dir: str, key: str) -> bool:
    """The last completed request had this key and the folder is still as it left it."""
    try:
        with open(os.path.join(volume_dir, RECEIPT), encoding="utf-8") as fh:
            done = json.load(fh)
    except (OSError, ValueError):
        return False
    return (isinstance(done, dict) and done.get("key") == key
            and done.get("after") == folder_fingerprint(volume_dir))


@dataclass(frozen=True)
class Outcome:
    state: str  # applied / recovered / rolled_back / already_applied / nothing
    recovered: str | None = None  # what recovery did first: completed / rolled_back


def recover(volume_dir: str) -> tuple[str | None, str | None]:
    """Finish or undo an interrupted run; returns (what was done, its request key).

    Under the folder's lock: a journal found then belongs to a dead run, never to a live one
    (which holds the lock until its journal is gone)."""
    with folder_lock(volume_dir, key="intake.renumber.busy"):
        done = _recover(volume_dir)
        _seen[os.path.realpath(volume_dir)] = folder_fingerprint(volume_dir)
        return done


# The folder as ``recover`` left it, which is what the caller then plans on: a run that finds
# the folder changed since (another run applied meanwhile) refuses instead of misapplying.
_seen: dict[str, str] = {}


def _recover(volume_dir: str) -> tuple[str | None, str | None]:
    path = os.path.join(volume_dir, JOURNAL)
    if not os.path.exists(path):
        return None, None
    with open(path, encoding="utf-8") as fh:
        journal = json.load(fh)
    join = lambda name: os.path.join(volume_dir, name)  # noqa: E731
    if journal["state"] == "staged":
        for _src, stage, dst in journal["moves"] + journal["inserts"]:
            if os.path.exists(join(stage)):
                os.rename(join(stage), join(dst))
        _fsync_dir(volume_dir)
        _write_receipt(volume_dir, journal)
        done = "completed"
    else:
        for src, stage, _dst in journal["moves"]:
            if os.path.exists(join(stage)) and not os.path.exists(join(src)):
                os.rename(join(stage), join(src))
        for src, removed in journal["removes"]:
            if os.path.exists(join(removed)) and not os.path.exists(join(src)):
                os.rename(join(removed), join(src))
        for _src, stage, _dst in journal["inserts"]:
            for leftover in (stage, stage + ".part"):
                if os.path.exists(join(leftover)):
                    os.remove(join(leftover))
        _fsync_dir(volume_dir)
        done = "rolled_back"
    os.remove(path)
    _fsync_dir(volume_dir)
    return done, journal["key"]


def apply_plan(volume_dir: str, plan: RenumberPlan, new_files: Sequence[str],
               request: dict[str, Any]) -> Outcome:
    """Recover, then apply ``plan`` — unless this very request was already applied.

    The caller may have recovered the folder itself before planning; either way a request
    whose receipt matches the folder as it stands is not applied again. The whole run holds
    the folder's lock; a plan made on a folder that another run has changed since the
    caller's ``recover`` is refused (ConflictError), never applied to the wrong pages.
    """
    insert_sha = [sha256_file(p) for p in new_files]
    key = request_key(request, insert_sha)
    with folder_lock(volume_dir, key="intake.renumber.busy"):
        return _apply(volume_dir, plan, new_files, request, key, insert_sha)


def _apply(volume_dir: str, plan: RenumberPlan, new_files: Sequence[str], request: dict[str, Any],
           key: str, insert_sha: Sequence[str]) -> Outcome:
    planned_on = _seen.pop(os.path.realpath(volume_dir), None)
    recovered, _old_key = _recover(volume_dir)
    if already_applied(volume_dir, key):
        return Outcome("already_applied", recovered)
    for name, seen in sorted((request.get("seen") or {}).items()):
        if page_identity(volume_dir, name) != seen:  # the person looked at another page
            raise ConflictError("intake.renumber.page_changed",
                                volume=os.path.basename(volume_dir), page=name)
    if plan.empty:
        return Outcome("nothing", recovered)
    if planned_on is not None and planned_on != folder_fingerprint(volume_dir):
        raise ConflictError("intake.renumber.changed", path=volume_dir)
    run = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    journal: dict[str, Any] = {
        "state": "staging", "key": key, "run": run, "before": folder_fingerprint(volume_dir),
        "request": {k: v for k, v in request.items() if k != "before"},
        "moves": [[src, f"{STAGE_PREFIX}{run}-{src}", dst] for src, dst in plan.moves],
        "inserts": [[new_files[i], f"{STAGE_PREFIX}{run}-new{i}-{dst}", dst]
                    for i, dst in plan.inserts],
        "removes": [[name, f"{REMOVED_DIR}/{run}-{name}"] for name in plan.removes],
    }
    join = lambda name: os.path.join(volume_dir, name)  # noqa: E731
    jpath = join(JOURNAL)
    write_json_atomic(jpath, journal)
    if plan.removes:
        os.makedirs(join(REMOVED_DIR), exist_ok=True)
    for src, stage, _dst in journal["moves"]:
        os.rename(join(src), join(stage))
        crash_point("renumber.first_temporary")
    for src, removed in journal["removes"]:
        os.rename(join(src), join(removed))
    for (source, stage, _dst), sha in zip(journal["inserts"], insert_sha, strict=True):
        part = join(stage + ".part")
        with open(source, "rb") as fin, open(part, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
            fout.flush()
            os.fsync(fout.fileno())
        if sha256_file(part) != sha:
            os.remove(part)
            raise OSError(f"copy of {source} does not match its checksum")
        os.rename(part, join(stage))
    _fsync_dir(volume_dir)
    journal["state"] = "staged"
    write_json_atomic(jpath, journal)
    crash_point("renumber.staged")
    for _src, stage, dst in journal["moves"] + journal["inserts"]:
        os.rename(join(stage), join(dst))
    _fsync_dir(volume_dir)
    _write_receipt(volume_dir, journal)
    crash_point("renumber.receipt")
    os.remove(jpath)
    _fsync_dir(volume_dir)
    crash_point("renumber.done")
    return Outcome("applied", recovered)


def log_change(volume_dir: str, entry: dict[str, Any]) -> None:
    """Append a forced change of an ingested volume to the folder's own change log."""
    with open(os.path.join(volume_dir, CHANGES_LOG), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
