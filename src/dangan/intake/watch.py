"""Hot folder: ingest a volume folder as soon as the operator marks it complete.

Like a consume folder: watchdog reports a marker file (default ``.dangan-complete``) appearing
in a volume folder; the marker is taken away, the folder checked and ingested, and the outcome
written beside the images as ``.dangan-ingest-report.json``. Markers already present at start
are handled first, so nothing dropped while the watcher was down is missed. A folder whose
ingest finds the project busy (another ingest holds its lock), or whose own lock another run
holds (a renumber, ``cleanup --apply``), keeps its marker and is tried again; any other
refusal is written to the report and the watcher goes on. The folder's lock is held from
taking the marker until the report is written.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from dangan.errors import ConflictError, DanganError
from dangan.intake.locks import folder_lock
from dangan.storage.atomic import atomic_write_text

DEFAULT_MARKER = ".dangan-complete"
REPORT = ".dangan-ingest-report.json"
BUSY = "intake.lock.busy"
FOLDER_BUSY = "intake.lock.folder_busy"


MARKERS_FILE = ".dangan-watch-markers.json"  # in the project home: every marker a watcher used


def record_marker(home: str | Path, marker: str) -> None:
    """Note in the project home that a watcher of this project takes ``marker`` (a plain file
    name) as its "scan finished" marker: ``cleanup`` then counts a file of that name in a
    volume folder as bookkeeping, like the default marker. Names are only ever added."""
    if marker == DEFAULT_MARKER or not plain_name(marker):
        return
    known = recorded_markers(home)
    if marker in known:
        return
    atomic_write_text(os.path.join(home, MARKERS_FILE), json.dumps(
        {"markers": sorted(known | {marker})}, ensure_ascii=False))


def recorded_markers(home: str | Path) -> frozenset[str]:
    """The markers watchers of the project used (``record_marker``); the default always."""
    try:
        with open(os.path.join(home, MARKERS_FILE), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        data = {}
    names = data.get("markers") if isinstance(data, dict) else None
    found = {n for n in names if isinstance(n, str) and plain_name(n)} if isinstance(
        names, list) else set()
    return frozenset(found | {DEFAULT_MARKER})


def plain_name(name: str) -> bool:
    """A file name of its own: not empty, no separator, not ``.`` or ``..``."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name \
        and "\0" not in name


class _Handler(FileSystemEventHandler):
    def __init__(self, marker: str, found: queue.Queue[str]) -> None:
        self.marker = marker
        self.found = found

    def _maybe(self, path: str | bytes) -> None:
        p = os.fsdecode(path)
        if os.path.basename(p) == self.marker:
            self.found.put(os.path.dirname(p))

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._maybe(event.src_path)

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self._maybe(event.dest_path)


def existing_markers(root: Path, marker: str) -> list[str]:
    out = []
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        if marker in files:
            out.append(dirpath)
    return sorted(out)


def watch(root: Path, marker: str, handle: Callable[[str], dict[str, object]],
          stop: threading.Event | None = None, poll: float = 0.5) -> None:
    """Call ``handle(volume_dir)`` for each marked folder until ``stop`` is set."""
    stop = stop or threading.Event()
    found: queue.Queue[str] = queue.Queue()
    for folder in existing_markers(root, marker):
        found.put(folder)
    observer = Observer()
    observer.schedule(_Handler(marker, found), str(root), recursive=True)
    observer.start()
    try:
        while not stop.is_set():
            try:
                folder = found.get(timeout=poll)
            except queue.Empty:
                continue
            marker_path = os.path.join(folder, marker)
            if not os.path.exists(marker_path):
                continue
            try:
                with folder_lock(folder, wait=0, key=FOLDER_BUSY):
                    again = _take(folder, marker_path, handle)
            except ConflictError as exc:  # a renumber (or cleanup) works in it: later
                if exc.key != FOLDER_BUSY:
                    raise
                again = True
            except FileNotFoundError:  # the folder went meanwhile
                continue
            if again:
                stop.wait(poll)
                found.put(folder)
    finally:
        observer.stop()
        observer.join()


def _take(folder: str, marker_path: str, handle: Callable[[str], dict[str, object]]) -> bool:
    """Take the marker away, ingest the folder and write its report beside the images (under
    the folder's lock, held by the caller). True: the project is busy, try again later (the
    marker is put back)."""
    os.remove(marker_path)
    try:
        result = handle(folder)
    except ConflictError as exc:
        if exc.key == BUSY:  # another run holds the project (an ingest by hand)
            with open(marker_path, "a", encoding="utf-8"):
                pass
            return True
        result = {"error": exc.to_dict()}
    except DanganError as exc:  # reported beside the images; the watcher goes on
        result = {"error": exc.to_dict()}
    atomic_write_text(os.path.join(folder, REPORT),
                      json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return False
