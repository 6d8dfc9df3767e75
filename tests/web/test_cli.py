"""``dangan user add|passwd|disable`` and ``dangan serve`` as a user runs them (real process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.db.models import StageEvent, Worker, WorkerRole
from dangan.db.web_models import WebAccount, WebSession
from dangan.errors import InputError
from dangan.services.project import init_project, open_project
from dangan.services.workflow_state import now
from dangan.web import security as sec
from dangan.web.accounts import add_user


def dangan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    return subprocess.run([sys.executable, "-m", "dangan", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_user_add_passwd_disable(tmp_path: Path) -> None:
    home = tmp_path / "proj"
    init_project(home, "court", name="账户测试")
    made = dangan("user", "add", "admin", "-p", str(home), "--role", "admin",
                  "--password", "first-secret-1")
    assert made.returncode == 0, made.stderr
    assert "admin" in made.stdout
    scan = dangan("user", "add", "zhang", "-p", str(home), "-w", "张扫", "--role", "扫描员",
                  "--password", "scan-secret-1")
    assert scan.returncode == 0, scan.stderr
    again = dangan("user", "add", "zhang", "-p", str(home), "--password", "scan-secret-1")
    assert again.returncode == 6 and "zhang" in again.stderr
    ctx = open_project(home)
    with ctx.transaction() as session:
        worker = session.scalar(select(Worker).where(Worker.login == "zhang"))
        assert worker is not None and worker.name == "张扫"
        assert worker.password_hash and worker.password_hash.startswith("$argon2id$")
        assert set(session.scalars(select(WorkerRole.role).where(
            WorkerRole.worker_id == worker.id))) == {"scan_operator"}
        admin_id = session.scalar(select(Worker.id).where(Worker.login == "admin"))
        account = session.get(WebAccount, admin_id)
        assert account is not None and account.is_admin
        sec.open_session(session, worker.id, now())
    assert dangan("user", "passwd", "zhang", "-p", str(home),
                  "--password", "second-secret-2").returncode == 0
    with ctx.transaction() as session:
        sessions = list(session.scalars(select(WebSession)))
        assert [s.revoke_reason for s in sessions] == ["password"]
        worker = session.scalar(select(Worker).where(Worker.login == "zhang"))
        assert worker is not None
        assert sec.verify_password(worker.password_hash, "second-secret-2")
    assert dangan("user", "disable", "zhang", "-p", str(home)).returncode == 0
    missing = dangan("user", "disable", "nobody", "-p", str(home))
    assert missing.returncode == 5 and "nobody" in missing.stderr
    with ctx.transaction() as session:
        worker = session.scalar(select(Worker).where(Worker.login == "zhang"))
        assert worker is not None and not worker.active
        actions = [e.data["action"] for e in session.scalars(
            select(StageEvent).where(StageEvent.kind == sec.EVENT_ACCOUNT)
            .order_by(StageEvent.id))]
    assert actions == ["add", "add", "password", "disable"]


def test_serve_refuses_a_folder_that_is_no_project(tmp_path: Path) -> None:
    result = dangan("serve", "-p", str(tmp_path), "--port", "1")
    assert result.returncode == 3, result.stderr


def test_logins_passwords_and_roles_are_checked(tmp_path: Path) -> None:
    ctx = init_project(tmp_path / "proj", "court", name="账户测试")
    for login in ("", "a b", "<script>", "张三"):
        with pytest.raises(InputError) as caught:
            add_user(ctx, login, "long-enough-1")
        assert caught.value.key == "web.account.bad_login"
    with pytest.raises(InputError) as caught:
        add_user(ctx, "li", "short")
    assert caught.value.key == "web.account.weak_password"
    with pytest.raises(InputError) as caught:
        add_user(ctx, "li", "long-enough-1", roles=["cook"])
    assert caught.value.key == "workflow.unknown_role"


def test_user_add_without_a_terminal_says_to_give_the_password(tmp_path: Path) -> None:
    """stdin at its end (a script, a service): a usage error in words, exit 2 — not Python's
    GetPassWarning and 已中断 (130)."""
    from dangan.i18n import t

    home = tmp_path / "proj"
    init_project(home, "court", name="账户测试")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    for lang in ("zh", "en"):
        done = subprocess.run([sys.executable, "-m", "dangan", "--lang", lang, "user", "add",
                               "admin", "-p", str(home), "--role", "admin"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 2, done.stderr
        with_lang = {"zh": "没有终端可以输入 admin 的密码：请用 --password 给出密码",
                     "en": "No terminal to ask for the password of admin: give it with "
                           "--password"}[lang]
        assert with_lang in done.stderr
        assert "GetPassWarning" not in done.stderr and "已中断" not in done.stderr
    assert t("web.account.no_terminal", login="admin") == \
        "没有终端可以输入 admin 的密码：请用 --password 给出密码"  # the catalogue's words
    ctx = open_project(home)
    with ctx.transaction() as session:
        assert session.scalar(select(Worker).where(Worker.login == "admin")) is None


def test_account_events_name_who_ran_the_command(tmp_path: Path) -> None:
    """``user add`` / ``passwd`` / ``disable`` record the OS login that ran them
    (``cli:<login>``), not a bare ``cli``."""
    import getpass

    home = tmp_path / "proj"
    init_project(home, "court", name="账户测试")
    assert dangan("user", "add", "zhang", "-p", str(home), "-w", "张扫", "--role", "扫描员",
                  "--password", "scan-secret-1").returncode == 0
    assert dangan("user", "disable", "zhang", "-p", str(home)).returncode == 0
    ctx = open_project(home)
    with ctx.transaction() as session:
        people = [e.person for e in session.scalars(
            select(StageEvent).where(StageEvent.kind == sec.EVENT_ACCOUNT)
            .order_by(StageEvent.id))]
    assert people == [f"cli:{getpass.getuser()}"] * 2
