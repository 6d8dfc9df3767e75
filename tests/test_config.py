"""Configuration: templates load, a wrong value names the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.config import load_config, parse_config
from dangan.errors import ConfigError
from dangan.services.project import TEMPLATES, template_text


@pytest.mark.parametrize("template", TEMPLATES)
def test_templates_are_valid(template: str) -> None:
    config = parse_config(template_text(template, "项目", "某法院"), Path("dangan.toml"))
    assert config.project.name == "项目"
    assert config.project.template == template
    assert config.rules.archive_code.segments


def test_bad_value_names_key_and_line(tmp_path: Path) -> None:
    text = template_text("court", "p").replace("dpi = 200", "dpi = 20")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("dpi = 20"))
    (tmp_path / "dangan.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert any(f"第 {line} 行" in d and "scan.dpi" in d for d in info.value.details)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    text = template_text("court", "p").replace("[scan]\n", "[scan]\ndpl = 300\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "dangan.toml")
    assert any("scan.dpl" in d for d in info.value.details)


def test_syntax_error_has_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("[project]\nname = \n", tmp_path / "dangan.toml")
    assert "第 2 行" in info.value.message


def test_bad_naming_rule_is_a_config_error(tmp_path: Path) -> None:
    text = template_text("court", "p").replace(
        'archive_code = "{year:4d}-{category}-{catalogue_no:04d}-{case_no:04d}"',
        'archive_code = "{year:x}"')
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "dangan.toml")
    assert "naming" in info.value.message


def test_missing_project(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "dangan init" in info.value.message
    assert info.value.exit_code == 3


def test_stage_list_is_validated_when_loaded(tmp_path: Path) -> None:
    text = template_text("court", "p").replace(
        'stages = ["borrow", "sort", "scan", "retouch", "index", "upload", "qc", "rebind", "return"]',
        'stages = ["sort", "scan", "retouch", "index", "upload", "qc", "rebind", "return"]')
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "dangan.toml")
    assert any("borrow" in d for d in info.value.details)


def _with_sizes(scan: str, retouch: str) -> str:
    text = template_text("court", "p")
    lines = []
    section = ""
    for ln in text.splitlines():
        if ln.startswith("["):
            section = ln
        if ln.startswith("page_size ="):
            ln = f'page_size = "{scan if section == "[scan]" else retouch}"'
        lines.append(ln)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("size", ["16K", "16k", "B4", "letter", "A3"])
def test_a_page_size_that_loads_is_a_page_size_that_works(size: str, tmp_path: Path) -> None:
    """One table: a size accepted in dangan.toml is one retouch and the scan check can use."""
    from dangan.domain.paper_sizes import PAPER_SIZES_MM
    from dangan.services.retouch import page_size_mm

    config = parse_config(_with_sizes(size, size), tmp_path / "dangan.toml")
    assert page_size_mm(config.retouch.page_size) == PAPER_SIZES_MM[size.upper()]
    assert config.scan.page_size == size.upper()


@pytest.mark.parametrize("section", ["scan", "retouch"])
def test_an_unknown_page_size_is_refused_at_load(section: str, tmp_path: Path) -> None:
    text = _with_sizes("A9" if section == "scan" else "A4", "A9" if section == "retouch" else "A4")
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "dangan.toml")
    assert any(f"{section}.page_size" in d for d in info.value.details)


@pytest.mark.parametrize(("old", "new", "word"), [
    ("unnumbered_pages = []", 'unnumbered_pages = ["封皮"]', "封皮"),
    ('required_entry_fields = ["title"]', 'required_entry_fields = ["titel"]', "titel"),
])
def test_catalogue_names_are_checked_at_load(old: str, new: str, word: str, tmp_path: Path) -> None:
    text = template_text("court", "p").replace(old, new)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln == "[catalogue]")
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "dangan.toml")
    assert info.value.key == "config.invalid"
    assert any(word in d and "catalogue" in d and f"第 {line} 行" in d for d in info.value.details)
