"""The README documents every setting and every exit code (a test fails when one is missing)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from dangan import errors
from dangan.config import ProjectConfig

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def config_keys() -> list[str]:
    keys = []
    for name, field in ProjectConfig.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys.extend(f"{name}.{k}" for k in ann.model_fields)
        else:
            keys.append(name)
    return keys


def test_every_config_key_is_documented() -> None:
    missing = [k for k in config_keys() if f"`{k}`" not in README]
    assert missing == []


def test_every_exit_code_is_documented() -> None:
    codes = {cls.exit_code for cls in vars(errors).values()
             if isinstance(cls, type) and issubclass(cls, errors.DanganError)}
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", README, flags=re.M)}
    assert codes <= documented


def test_readme_names_the_two_commands() -> None:
    assert "bash scripts/demo.sh" in README and "bash scripts/test.sh" in README
    assert "scripts/test.sh" in (Path(__file__).parent.parent / ".ci" / "run").read_text()
