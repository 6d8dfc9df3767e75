"""The registry declares every defect code and stage guard; no import decides a classification."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import dangan
from dangan.domain import defects, registry
from dangan.domain import workflow as wf


def _classify_in_fresh_process(*modules: str) -> dict[str, str | None]:
    imports = "".join(f"import {m}\n" for m in modules)
    code = (imports + "import json\nfrom dangan.domain import registry\n"
            "print(json.dumps({c.code: registry.defect_stage(c.code) "
            "for c in registry.DEFECT_CODES}))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout))


def test_defect_stage_is_the_same_whatever_a_process_imported() -> None:
    alone = _classify_in_fresh_process()
    everything = _classify_in_fresh_process("dangan.domain.catalogue", "dangan.services.delivery.linking")
    assert alone == everything
    assert alone["catalogue_gap"] == wf.INDEX  # was None until domain.catalogue was imported
    assert alone["link_file_changed"] == wf.UPLOAD
    assert alone["blank_page"] == wf.SCAN


def test_workflow_defect_stage_needs_no_other_import() -> None:
    code = ("from dangan.domain import workflow as wf\n"
            "g = wf.StageGraph.build(wf.DEFAULT_STAGES)\n"
            "print(wf.defect_stage('catalogue_gap', g), wf.defect_stage('link_image_missing', g))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == [wf.INDEX, wf.UPLOAD]


def test_every_code_any_module_uses_is_declared() -> None:
    for info in pkgutil.walk_packages(dangan.__path__, "dangan."):
        if ".cli" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
    declared = set(registry.DEFECTS)
    used = {k.code for k in defects.registered_codes()}
    assert used <= declared, sorted(used - declared)


def test_every_declared_code_has_a_valid_stage_and_severity() -> None:
    for code in registry.DEFECT_CODES:
        assert code.stage in wf.ALL_STAGES, code
        assert code.severity in (registry.ERROR, registry.WARNING), code
        assert defects.kind_of(code.code).severity == code.severity


def test_every_stage_declares_its_guards() -> None:
    assert set(registry.STAGE_GUARDS) == set(wf.ALL_STAGES)


def test_every_event_kind_and_stage_has_a_label_in_both_languages() -> None:
    """The history (CLI and web) names each event by its kind; none may show a raw key."""
    from dangan.i18n import catalogue

    messages = catalogue()
    missing = [k for k in wf.EVENT_KINDS if f"workflow.event.{k}" not in messages]
    missing += [s for s in (*wf.DEFAULT_STAGES, *wf.QC_LEVELS) if f"stage.{s}" not in messages]
    assert missing == []
