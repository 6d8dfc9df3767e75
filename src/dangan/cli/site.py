"""``dangan backup``, ``dangan restore`` and ``dangan cleanup``: running a site."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from dangan.cli.common import AsJson, Project, console, open_ctx, print_json, worker_option
from dangan.errors import InputError, IntegrityError
from dangan.i18n import join, t

if TYPE_CHECKING:
    from dangan.services.site.backup import BackupResult
    from dangan.services.site.cleanup import FolderDecision
    from dangan.services.site.restore import RestoreResult


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def backup(out: str = typer.Argument(..., metavar="OUT", help="cli.opt.backup.out"),
           project: Path = Project,
           verify: bool = typer.Option(False, "--verify", help="cli.opt.backup.verify"),
           as_json: bool = AsJson) -> None:
    from dangan.services.site import backup as svc

    result = svc.backup(open_ctx(project, read_only=True), _not_blank(out, "OUT"), verify=verify)
    if as_json:
        print_json(result.to_dict())
        _fail_on_damage(result)
        return
    heading = "site.backup.done_with_problems" if result.failed_verification else "site.backup.done"
    console.print(escape(t(heading, snapshot=result.snapshot, files=result.files,
                           copied=result.copied, size=_size(result.bytes_copied), reused=result.reused)))
    if result.repaired:
        console.print(escape(t("site.backup.repaired", count=len(result.repaired))))
        for path in result.repaired[:20]:
            console.print(f"  • {escape(path)}", highlight=False)
    if result.changed:
        console.print(escape(t("site.backup.changed", count=len(result.changed))))
        for path in result.changed[:20]:
            console.print(f"  • {escape(path)}", highlight=False)
    if result.damaged:
        console.print(escape(t("site.backup.damaged", count=len(result.damaged))))
        for path in result.damaged[:20]:
            console.print(f"  • {escape(path)}", highlight=False)
    if result.missing:
        console.print(escape(t("site.backup.missing", count=len(result.missing),
                               held=len(result.missing) - len(result.missing_not_held))))
        for path in result.missing[:20]:
            console.print(f"  • {escape(path)}", highlight=False)
    _fail_on_damage(result)


def _not_blank(path: str, name: str) -> Path:
    """The folder argument ``path``; an empty one (a script's unset variable) is refused:
    as a path it would be the current directory, which is not what was meant."""
    if not path.strip():
        raise InputError("site.blank_path", name=name)
    return Path(path)


def _fail_on_damage(result: BackupResult) -> None:
    """A backup that met stored files failing their checksum, or missing, finished everything
    else but is no success: a nightly job sees the integrity exit code."""
    paths = result.failed_verification
    if result.missing:
        raise IntegrityError("site.backup.failed_or_missing", missing=len(result.missing),
                             bad=len(paths) - len(result.missing), details=paths)
    if paths:
        raise IntegrityError("site.backup.failed_verification", count=len(paths), details=paths)


def restore(out: str = typer.Argument(..., metavar="OUT", help="cli.opt.restore.out"),
            dest: str = typer.Argument(..., metavar="DIR", help="cli.opt.restore.dest"),
            database_url: str = typer.Option(None, "--database-url",
                                             help="cli.opt.restore.database_url"),
            snapshot: str = typer.Option(None, "--snapshot", help="cli.opt.restore.snapshot"),
            skip_damaged: bool = typer.Option(False, "--skip-damaged",
                                              help="cli.opt.restore.skip_damaged"),
            as_json: bool = AsJson) -> None:
    from dangan.services.site import restore as svc

    result = svc.restore(_not_blank(out, "OUT"), _not_blank(dest, "DIR"),
                         database_url=database_url, snapshot=snapshot,
                         skip_damaged=skip_damaged)
    if as_json:
        print_json(result.to_dict())
        _fail_on_incomplete(result, out)
        return
    console.print(escape(t("site.restore.done", home=result.home, snapshot=result.snapshot,
                           files=result.files, database=result.database)))
    if result.sheets:
        console.print(escape(t("site.restore.sheets", count=result.sheets)))
    if result.password_left_out:
        console.print(f"[yellow]{escape(t('site.restore.password_left_out', home=result.home))}[/]",
                      highlight=False)
    if result.unfinished:
        console.print(f"[yellow]{escape(t('site.restore.unfinished', count=len(result.unfinished), codes=join(result.unfinished[:20])))}[/]",
                      highlight=False)
    differed = [p for p in result.not_backed_up if p not in set(result.missing_at_backup)]
    for key, paths in (("site.restore.not_backed_up", differed),
                       ("site.restore.missing_at_backup", list(result.missing_at_backup))):
        if paths:
            console.print(escape(t(key, count=len(paths))))
            for path in paths[:20]:
                console.print(f"  • {escape(path)}", highlight=False)
    if result.earlier_copy:  # the live file was bad when the backup ran: the sound copy came back
        console.print(f"[yellow]{escape(t('site.restore.earlier_copy', count=len(result.earlier_copy)))}[/]",
                      highlight=False)
        for path in result.earlier_copy[:20]:
            console.print(f"  • {escape(path)}", highlight=False)
    _fail_on_incomplete(result, out)


def _fail_on_incomplete(result: RestoreResult, out: str) -> None:
    """A restore whose snapshot lacks files (damaged when the backup ran), or that left out
    files damaged in the backup folder (``--skip-damaged``), made the rest, but the project
    is incomplete: a scripted restore sees the integrity exit code."""
    if result.skipped:
        raise IntegrityError("site.restore.skipped_damaged", count=len(result.skipped),
                             backup=Path(out).resolve(),
                             details=[t("site.restore.object_line", object=o, path=p)
                                      for p, o in result.skipped]
                             + list(result.not_backed_up))
    if result.not_backed_up:
        raise IntegrityError("site.restore.incomplete", count=len(result.not_backed_up),
                             details=list(result.not_backed_up))


def cleanup(scan_root: Path = typer.Argument(..., metavar="SCAN_ROOT",
                                             help="cli.opt.cleanup.scan_root"),
            project: Path = Project,
            apply: bool = typer.Option(False, "--apply", help="cli.opt.cleanup.apply"),
            worker: str = worker_option("cli.opt.cleanup.worker", required=False),
            include_removed: bool = typer.Option(False, "--include-removed",
                                                 help="cli.opt.cleanup.include_removed"),
            as_json: bool = AsJson) -> None:
    from dangan.services.site import cleanup as svc

    if apply and not worker:  # a usage error (exit 2), like any command's missing -w
        raise typer.BadParameter(t("site.cleanup.need_worker"), param_hint="'-w' / '--worker'")
    if apply:
        from dangan.services.engine import resolve_actor

        ctx = open_ctx(project)
        report = svc.apply(ctx, resolve_actor(ctx, worker), scan_root,
                           include_removed=include_removed)
    else:
        report = svc.plan(open_ctx(project, read_only=True), scan_root,
                          include_removed=include_removed)
    if as_json:
        print_json(report.to_dict())
        _fail_on_storage(report.storage_failures)
        return
    for d in report.folders:
        mark = "[green]✓[/]" if d.goes else "[yellow]•[/]"
        console.print(f"{mark} {escape(d.folder)}  [dim]{d.reason}[/]  {escape(d.message())}",
                      highlight=False)
        removed = d.params.get("removed")
        if d.reason == svc.REMOVED_PAGES and isinstance(removed, list):
            for page in removed:  # each page taken out, with its SHA-256, for the person
                console.print(f"    • {escape(str(page['name']))}  {page['sha256']}  "
                              f"{_size(int(page['size']))}", highlight=False)
            continue
        for name in d.names[1:]:  # every file that keeps the folder, not only the first
            console.print(f"    • {escape(name)}", highlight=False)
    go = sum(d.goes for d in report.folders)
    console.print(escape(t("site.cleanup.summary", total=len(report.folders), go=go,
                           stay=len(report.folders) - go)))
    if not apply:
        console.print(t("site.cleanup.dry_run"))
    _fail_on_storage(report.storage_failures)


def _fail_on_storage(kept: list[FolderDecision]) -> None:
    """Folders kept because the storage does not verify: a nightly job sees the integrity
    exit code (folders kept only because their volume is not through yet exit 0)."""
    if kept:
        raise IntegrityError("site.cleanup.storage_failed", count=len(kept),
                             details=[f"{d.folder}: {d.message()}" for d in kept])


def register(app: typer.Typer) -> None:
    app.command("backup", help="cli.help.backup")(backup)
    app.command("restore", help="cli.help.restore")(restore)
    app.command("cleanup", help="cli.help.cleanup")(cleanup)
