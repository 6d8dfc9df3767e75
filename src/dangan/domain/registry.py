"""The line's declarations in one place: every defect code and the stage that owns it, and
every stage's guards. The workflow engine is built from this module; nothing is registered
as a side effect of importing another module, so every process classifies a defect alike.

Pure data, no imports from the rest of dangan (``domain.defects`` and ``domain.workflow``
read it). A new check adds its code here: code, default severity, owning area and the stage
whose worker made the error (QC sends the rework there).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class DefectCode:
    code: str
    severity: str  # error / warning
    area: str  # who finds it: intake / retouch / index / link / qc
    stage: str  # the stage whose work it is (rework goes back there)


def _codes(area: str, stage: str, *pairs: tuple[str, str]) -> tuple[DefectCode, ...]:
    return tuple(DefectCode(code, severity, area, stage) for code, severity in pairs)


# Order within an area is the order of the README tables.
DEFECT_CODES: tuple[DefectCode, ...] = (
    # scan intake (``dangan check``)
    *_codes("intake", "scan",
            ("bad_folder_name", ERROR), ("bad_archive_code", ERROR), ("unknown_volume", ERROR),
            ("duplicate_volume", ERROR), ("bad_file_name", ERROR), ("bad_path", ERROR),
            ("missing_page", ERROR), ("duplicate_page_no", ERROR), ("empty_volume", ERROR),
            ("stray_file", WARNING), ("corrupt_image", ERROR), ("low_dpi", ERROR),
            ("wrong_colour_mode", ERROR), ("wrong_format", ERROR), ("wrong_size", ERROR),
            ("wrong_dpi_tag", ERROR),
            ("blank_page", WARNING), ("faint_page", WARNING), ("duplicate_image", ERROR),
            ("page_count_mismatch", ERROR), ("folder_mismatch", ERROR),
            ("missing_folder", WARNING)),
    # retouch's own findings (the retoucher's work, or a scan that cannot be saved)
    *_codes("retouch", "retouch", ("hole", WARNING), ("content_at_edge", ERROR),
            ("needs_review", WARNING)),
    *_codes("retouch", "scan", ("unreadable", ERROR)),
    # QC error types (DOMAIN.md, DA/T 31 practice)
    *_codes("qc", "retouch", ("skew", ERROR), ("upside_down", ERROR), ("black_border", ERROR),
            ("hole_spots", ERROR)),
    *_codes("qc", "scan", ("duplicate_page", ERROR), ("wrong_order", ERROR),
            ("missed_scan", ERROR), ("extra_scan", ERROR), ("blurred", ERROR)),
    *_codes("qc", "index", ("archive_code", ERROR), ("catalogue", ERROR)),
    *_codes("qc", "upload", ("link", ERROR)),
    *_codes("qc", "sort", ("pagination", ERROR)),
    # catalogue checks (indexing)
    *_codes("index", "index",
            ("catalogue_gap", ERROR), ("catalogue_overlap", ERROR),
            ("catalogue_beyond_last_page", ERROR), ("catalogue_order", ERROR),
            ("catalogue_bad_seq", ERROR), ("catalogue_bad_page", ERROR),
            ("catalogue_bad_date", ERROR), ("catalogue_bad_number", ERROR),
            ("catalogue_missing_field", ERROR), ("catalogue_page_count", ERROR),
            ("catalogue_item_count", ERROR), ("catalogue_empty", ERROR)),
    # link check (delivery files against catalogue and images)
    *_codes("link", "upload",
            ("link_image_missing", ERROR), ("link_image_count", ERROR),
            ("link_file_missing", ERROR), ("link_file_changed", ERROR),
            ("link_file_unreadable", ERROR), ("link_file_pages", ERROR),
            ("link_file_extra", WARNING), ("link_not_packaged", ERROR),
            ("link_package_stale", ERROR)),
)
# ``missing_page`` (缺页) is found at intake and by QC; both send it back to scanning.

DEFECTS: MappingProxyType[str, DefectCode] = MappingProxyType(
    {d.code: d for d in DEFECT_CODES})
QC_DEFECT_CODES: tuple[str, ...] = (
    *(d.code for d in DEFECT_CODES if d.area == "qc"), "missing_page")

# --- stage guards ---------------------------------------------------------------------------
# What the engine checks before it signs a stage, beyond claim, role and stage order. Every
# stage signs only with a registered worker holding the claim of the stage's role; the
# names below are the engine's extra checks (each implemented once in services/guards).
COMMON_GUARDS: tuple[str, ...] = ("stage_matches", "not_in_rework")
STAGE_GUARDS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "borrow": (),
    "sort": ("sort_record",),
    "scan": ("pages_ingested",),  # or a recorded decision to sign without pages (waiver)
    "retouch": ("review_settled",),  # no page left needs_review for a person (accepted/replaced)
    "index": ("catalogue_imported",),  # at least one 卷内目录 entry; never waived
    "upload": ("forms_packaged",),  # every configured delivery form, or a recorded waiver
    "qc": ("qc_verdict",),
    "qc2": ("qc_verdict",),
    "qc3": ("qc_verdict",),
    "rebind": ("rebind_ready",),  # agreement, trial first, no open defect, pages, register
    "return": (),
})


# The audit events that name the person whose work a volume's stage is: a stage's work is
# theirs until it is signed, whoever holds the batch next (a hand-back never moves it to the
# next claimant's signature). Only stages whose record is written per volume under the person
# who did the work; the others (a retouch run, a catalogue typed twice, packaging) are not read.
STAGE_WORK_RECORDS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "sort": ("sort_record",),
    "scan": ("scan_record",),
})

# Guards a sign-off may waive by a recorded decision (who, when, why): a volume refused at
# intake whose problems went to QC as defects, a stage done outside the system.
WAIVABLE_GUARDS: frozenset[str] = frozenset({"pages_ingested", "forms_packaged"})

# The stored-file kinds of each delivery form (已上传).
FORM_FILE_KINDS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "pdf": ("pdf",), "zip": ("zip",), "tiff": ("tiff", "tiff_page"), "jpg": ("jpg", "page_index")})


def defect_code(code: str) -> DefectCode | None:
    return DEFECTS.get(code)


def defect_stage(code: str) -> str | None:
    """The stage a defect of ``code`` belongs to (its rework goes there); None if unknown."""
    found = DEFECTS.get(code)
    return found.stage if found else None
