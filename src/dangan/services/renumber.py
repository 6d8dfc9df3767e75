"""Use case: renumber a scanned volume's pages — insert missed pages, remove extra scans,
close gaps — journalled and crash-safe (``dangan renumber``, the scan station's remove and
insert). A volume already ingested changes only with ``force``, recorded in the project and
signed by a registered worker. A change made by a named worker of a project needs that
worker's scan claim of the volume's work batch — checked here, whoever calls."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dangan.config import CONFIG_FILE, DEFAULT_STORAGE_DIR, load_config, storage_url
from dangan.db.models import StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.domain.naming import NamingRules
from dangan.domain.pages import PlanError, plan_renumber
from dangan.errors import DanganError, InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.intake import renumber as rn
from dangan.intake.check import inspect_files
from dangan.intake.walk import Walker
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.ingest_markers import RECEIPT
from dangan.services.project import ProjectContext
from dangan.storage.areas import AREAS


@dataclass
class RenumberResult:
    state: str
    moves: int = 0
    inserted: int = 0
    removed: int = 0
    pages: int = 0
    recovered: str | None = None


def _page_arg(value: str) -> int:
    stem = value.rsplit(".", 1)[0]
    if not stem.isdigit():
        raise InputError("intake.renumber.bad_page", value=value)
    return int(stem)


def renumber_volume(volume_dir: Path, *, rules: NamingRules, insert_before: str | None = None,
                    insert_after: str | None = None, files: Sequence[Path] = (),
                    remove: Sequence[str] = (), close_gaps: bool = False, force: bool = False,
                    ctx: ProjectContext | None = None, actor: Actor | None = None,
                    seen: Mapping[str, str] | None = None) -> RenumberResult:
    """Insert missed pages, remove extra scans, close gaps — journalled, crash-safe.

    Changing an ingested volume (``force``) is recorded in the project and signed by
    ``actor``, a registered worker; without one (or without the project) it is refused
    before anything moves. Any other change by ``actor`` in a project needs their scan claim
    of the volume's work batch (``workflow.not_claimed`` / ``workflow.claimed_by_other``), as
    on the scan station; it is checked before an interrupted change is finished too.

    ``seen``: page name → ``intake.renumber.page_identity`` of the file as the person saw it
    (the scan station's remove button): part of the request, so a repeat of the same click is
    recognised as done while a click on the page that slid into that name is a new request;
    a page that is no longer the one seen is refused (``intake.renumber.page_changed``)."""
    vdir = volume_dir.resolve()
    if not vdir.is_dir():
        raise NotFoundError("intake.renumber.not_volume", path=volume_dir)
    _refuse_stored_folder(vdir, ctx)
    if ctx is not None and actor is not None and not (vdir / RECEIPT).exists():
        # scanning's page changes are the scan claimant's; a change to a volume already
        # ingested (``force``: a page found missing at QC, after the scan sign-off released
        # the claim) is a correction recorded and signed by ``actor`` below
        require_scan_claim(ctx, actor, vdir)
    recovered, _ = rn.recover(str(vdir))
    receipt = vdir / RECEIPT
    if receipt.exists() and not force:
        raise StateError("intake.renumber.ingested", volume=vdir.name)
    if receipt.exists() and ctx is None:
        raise InputError("intake.renumber.ingested_needs_project", volume=vdir.name)
    if receipt.exists() and actor is None:
        raise InputError("workflow.worker_required", what=vdir.name)
    for f in files:
        if not f.is_file() or f.is_symlink():
            raise NotFoundError("intake.renumber.source_missing", path=f)
        info = inspect_files([str(f)])[0]
        if not info.ok:
            raise InputError("intake.renumber.bad_source", path=f,
                             reason=t(f"intake.reason.{info.reason}", **info.reason_params))
    vol = Walker(rules, "jpg").volume(str(vdir), "", vdir.name, list(os.scandir(vdir)), str(vdir))
    pages = [p.as_page_file() for p in vol.pages]
    names = {p.name for p in pages}
    by_no: dict[int, list[str]] = {}
    for p in pages:
        by_no.setdefault(p.page_no, []).append(p.name)
    to_remove: list[str] = []
    for r in remove:
        if r in names:
            to_remove.append(r)
        else:
            matches = by_no.get(_page_arg(r), [])
            if len(matches) != 1:
                raise InputError("intake.renumber.page_absent", page=r)
            to_remove.extend(matches)
    if not (files or to_remove or close_gaps):
        raise InputError("intake.renumber.no_action")
    try:
        plan = plan_renumber(
            pages, lambda n, ext: rules.page_file_name(n, ext),
            insert_before=_page_arg(insert_before) if insert_before else None,
            insert_after=_page_arg(insert_after) if insert_after is not None else None,
            new_exts=[f.suffix.lstrip(".").lower() or "jpg" for f in files],
            remove=to_remove, close_gaps=close_gaps)
    except PlanError as exc:
        if exc.reason == "page_absent":
            raise InputError("intake.renumber.page_absent", page=exc.value) from None
        raise InputError("intake.renumber.not_sequence", detail=exc.reason) from None
    request: dict[str, Any] = {"insert_before": insert_before, "insert_after": insert_after,
               "remove": sorted(to_remove), "close_gaps": close_gaps,
               "files": [f.name for f in files], "before": sorted(names)}
    if seen:
        request["seen"] = dict(seen)
    outcome = rn.apply_plan(str(vdir), plan, [str(f) for f in files], request)
    result = RenumberResult(outcome.state, len(plan.moves), len(plan.inserts), len(plan.removes),
                            len(plan.final), outcome.recovered or recovered)
    if force and receipt.exists() and outcome.state == "applied":
        person = actor.name if actor else ""
        change = {"at": datetime.now(UTC).isoformat(), "person": person, "request": request,
                  "moves": plan.moves, "inserts": plan.inserts, "removes": plan.removes}
        rn.log_change(str(vdir), change)
        if ctx is not None and actor is not None:
            _record_renumber(ctx, vdir, change, actor)
    return result


def _refuse_stored_folder(vdir: Path, ctx: ProjectContext | None) -> None:
    """Renumbering works on a scan station's folder, never on the stored pages: a folder in
    the project's storage (its masters in 已扫描, or any other area) is refused before
    anything moves (``intake.renumber.in_storage``) — renaming masters would leave their
    recorded names and checksums behind. Without the project, a folder in the storage of a
    project it lies in (a dangan.toml above it) is refused too."""
    roots = []
    if ctx is not None and ctx.storage.is_local:
        roots.append(Path(os.path.realpath(ctx.storage.root)))
    for parent in vdir.parents:
        if (parent / CONFIG_FILE).is_file():
            try:
                url = storage_url(parent, load_config(parent))
            except DanganError:  # a broken dangan.toml: its default storage folder
                url = str(parent / DEFAULT_STORAGE_DIR)
            if "://" not in url:
                roots.append(Path(os.path.realpath(url)))
    areas = {a.value for a in AREAS}
    for root in roots:
        if vdir.is_relative_to(root) and vdir != root \
                and vdir.relative_to(root).parts[0] in areas:
            raise InputError("intake.renumber.in_storage", path=vdir,
                             area=vdir.relative_to(root).parts[0])


def require_scan_claim(ctx: ProjectContext, actor: Actor, vdir: Path) -> None:
    """A page change needs the scan claim of the volume's work batch, as ingest needs it to
    sign: the engine's ``require_claimant`` (not claimed → ``workflow.not_claimed``, held by
    another → ``workflow.claimed_by_other``); a volume on no work batch has no claim to hold
    (``intake.renumber.no_batch``)."""
    code = ctx.rules.parse_folder(vdir.name).archive_code
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, code)
        batch = session.get(WorkBatch, volume.work_batch_id) if volume.work_batch_id else None
        if batch is None:
            raise StateError("intake.renumber.no_batch", volume=code)
        engine.require_claimant(session, batch, wf.SCAN, actor)


def _record_renumber(ctx: ProjectContext, vdir: Path, change: dict[str, Any],
                     actor: Actor) -> None:
    folder = ctx.rules.parse_folder(vdir.name)
    with ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.project_id == ctx.project_id,
                                                     Volume.archive_code == folder.archive_code))
        session.add(StageEvent(project_id=ctx.project_id, kind="renumber", stage="scan",
                               volume_id=volume.id if volume else None, person=actor.name,
                               worker_id=actor.worker_id,
                               data=json.loads(json.dumps(change, default=list))))
