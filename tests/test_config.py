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


# Settings whose keys or values are names: a typo is refused when the file is loaded, at its
# line, naming the allowed names (before, it loaded and then silently matched nothing).
def _defect_types() -> str:
    from dangan.domain.registry import DEFECTS

    return ", ".join(DEFECTS)


def _stages() -> str:
    from dangan.domain.workflow import ALL_STAGES

    return ", ".join(ALL_STAGES)


COURT_LINE = "borrow, sort, scan, retouch, index, upload, qc, rebind, return"
NAME_TYPOS = [
    # (edit of the court template, key path reported, text of the line, catalogue key, params)
    (("[workflow]", "[pay]\ndeduction_per_defect = { skwe = 0.5, blurred = 2.0 }\n\n[workflow]"),
     "pay.deduction_per_defect.skwe", "deduction_per_defect = ", "config.unknown_defect_type",
     {"name": "skwe"}),
    (("borrow_due_days = 30", "borrow_due_days = 30\nstage_rates = { retuoch = 3000 }"),
     "workload.stage_rates.retuoch", "stage_rates = ", "config.unknown_stage",
     {"name": "retuoch"}),
    (("borrow_due_days = 30", "borrow_due_days = 30\n\n[workload.stage_rates]\nretouch = 3000\n"
                              "srot = 1500"),
     "workload.stage_rates.srot", "srot = ", "config.unknown_stage", {"name": "srot"}),
    (('critical = ["archive_code", "missing_page"]', 'critical = ["archve_code", "missing_page"]'),
     "qc.critical.0", "critical = ", "config.unknown_defect_type", {"name": "archve_code"}),
    (("scan_per_page = 0.48", "scan_per_pgae = 0.48"),
     "piece_rates.scan_per_pgae", "scan_per_pgae = ", "config.bad_piece_rate",
     {"key": "scan_per_pgae", "stages": COURT_LINE, "units": "page, volume, item"}),
    (("scan_per_page = 0.48", "scna_per_page = 0.48"),
     "piece_rates.scna_per_page", "scna_per_page = ", "config.piece_rate_stage",
     {"key": "scna_per_page", "stage": "scna", "stages": COURT_LINE,
      "units": "page, volume, item"}),
]


@pytest.mark.parametrize(("edit", "key", "line_text", "message", "params"), NAME_TYPOS,
                         ids=[case[1] for case in NAME_TYPOS])
def test_a_typo_in_a_name_is_refused_at_its_line(edit: tuple[str, str], key: str,
                                                  line_text: str, message: str,
                                                  params: dict[str, str], tmp_path: Path) -> None:
    from dangan.i18n import t

    text = template_text("court", "p")
    assert edit[0] in text
    text = text.replace(edit[0], edit[1], 1)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(line_text))
    (tmp_path / "dangan.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.key == "config.invalid" and info.value.exit_code == 3
    choices = {"choices": _defect_types() if message == "config.unknown_defect_type" else _stages()}
    expected = t(message, **{**choices, **params})
    assert info.value.details == [
        t("config.key_error", path=tmp_path / "dangan.toml", line=line, key=key, detail=expected)]


def test_known_names_load_and_keep_their_values(tmp_path: Path) -> None:
    text = template_text("court", "p").replace(
        'critical = ["archive_code", "missing_page"]',
        'critical = ["archive_code", "missing_page", "blurred", "corrupt_image"]').replace(
        "borrow_due_days = 30", "borrow_due_days = 30\nstage_rates = { retouch = 2500, qc2 = 5000 }"
    ).replace("index_per_item = 0.50", "index_per_item = 0.50\nqc_per_item = 0.2\n"
              "binding_per_volume = 1.0") + (
        "\n[pay]\ndeduction_per_defect = { skew = 0.5, blurred = 2.0, link_file_extra = 0.1 }\n")
    config = parse_config(text, tmp_path / "dangan.toml")
    assert config.pay.deduction_per_defect == {"skew": 0.5, "blurred": 2.0, "link_file_extra": 0.1}
    assert config.workload.stage_rates == {"retouch": 2500, "qc2": 5000}
    assert config.qc.critical == ["archive_code", "missing_page", "blurred", "corrupt_image"]
    assert config.piece_rates["qc_per_item"] == 0.2
    assert config.piece_rates["binding_per_volume"] == 1.0


def test_a_piece_rate_for_a_stage_the_line_skips_is_refused_at_load(tmp_path: Path) -> None:
    """The court template pays sorting and rebinding together; a line without sorting
    cannot pay it (the pay report refused it; now the file is)."""
    text = template_text("court", "p").replace('stages = ["borrow", "sort", ', 'stages = ["borrow", ')
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "dangan.toml")
    assert any("piece_rates.sort_bind_per_volume" in d and " sort " in d
               for d in info.value.details), info.value.details


def test_the_stage_names_are_those_the_estimate_has_rates_for() -> None:
    """``workload.stage_rates`` accepts workflow.ALL_STAGES: every one has an estimate rate."""
    from dangan.domain import workflow as wf
    from dangan.reports.estimate import DEFAULT_STAGE_RATES

    assert set(DEFAULT_STAGE_RATES) | {wf.SCAN} == set(wf.ALL_STAGES)


@pytest.mark.parametrize(("edit", "key"), [
    (("scan_per_page = 0.48", "scan_per_page = -0.48"), "piece_rates.scan_per_page"),
    (("[pay]", "[pay]\ndeduction_per_defect = { skew = -2 }"), "pay.deduction_per_defect.skew"),
    (("[workload]", "[workload]\nstage_rates = { retouch = 0 }"), "workload.stage_rates.retouch"),
])
def test_a_negative_rate_is_refused_at_its_line(edit: tuple[str, str], key: str,
                                                 tmp_path: Path) -> None:
    """A negative piece rate paid a worker less than nothing for work done, a negative
    deduction paid them for a defect; a pace of 0 pages a day divides by zero in the estimate."""
    text = template_text("court", "p")
    if edit[0] not in text:  # the court template may not write the section: add it
        text += f"\n{edit[0]}\n"
    text = text.replace(edit[0], edit[1], 1)
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "dangan.toml")
    assert info.value.key == "config.invalid"
    assert any(key in d for d in info.value.details), info.value.details
