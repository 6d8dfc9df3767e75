"""The project template's words on ``[database] url`` say what the code does: a home with a
database of its own is refused with another one in DANGAN_DATABASE_URL (exit 3), it is not
overridden."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.config import load_config
from dangan.errors import ConfigError
from dangan.services.project import ProjectContext, open_project


@pytest.mark.parametrize("template", ["court", "wenshu"])
def test_the_template_says_a_home_with_its_own_database_is_refused(
        template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.services.project import init_project

    monkeypatch.delenv("DANGAN_DATABASE_URL", raising=False)
    monkeypatch.delenv("DANGAN_PROJECT", raising=False)
    ctx: ProjectContext = init_project(tmp_path / "p", template, name="测试")
    text = (ctx.home / "dangan.toml").read_text("utf-8")
    assert "DANGAN_DATABASE_URL overrides" not in text
    assert "refused (exit 3" in text
    assert load_config(ctx.home).database.url == ""
    other = tmp_path / "other.sqlite"
    monkeypatch.setenv("DANGAN_DATABASE_URL", f"sqlite:///{other}")
    with pytest.raises(ConfigError) as fx:  # its own dangan.sqlite: refused, as it says
        open_project(ctx.home)
    assert fx.value.key == "config.database_env_conflict" and fx.value.exit_code == 3
