"""The production line as data: stages, roles, event kinds and the transition rules.

Pure: no I/O, no ORM. The services read a ``StageGraph`` built from the project's
``[workflow] stages`` and ``[qc] rounds`` and ask it what may happen next; a step the graph
does not allow is refused with the reason (a catalogue key and its parameters).

Config format (``dangan.toml``)::

    [workflow]
    stages = ["borrow", "sort", "scan", "index", "retouch", "upload", "qc", "qc2", "rebind", "return"]
    [qc]
    rounds = 2        # QC levels: 1 = 一检 only, 2 = + 二检, 3 = + 终检 (added after "qc" if not listed)

Stages may be skipped (left out) except ``borrow`` (first), ``scan`` and ``return`` (last);
the order must respect ``PRECEDENCE`` (e.g. scan before retouch, every QC level before rebind).

Shared vocabulary for the other areas (intake, retouch, indexing, reports): sign-offs are
``StageEvent(kind=EVENT_SIGNOFF, stage=<stage>, volume_id=…, work_batch_id=…, worker_id=…,
person=<signed name>, at=…, remarks=…)``. A batch-level sign-off has ``volume_id`` NULL and is
accompanied by one volume-level sign-off per volume of the batch, so a reader can always look
for ``(kind="signoff", stage, volume_id)``. A correction is a new event with ``corrects_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dangan.domain import registry

# --- stages -------------------------------------------------------------------------------
BORROW = "borrow"
SORT = "sort"
SCAN = "scan"
RETOUCH = "retouch"
INDEX = "index"
UPLOAD = "upload"
QC = "qc"
QC2 = "qc2"
QC3 = "qc3"
REBIND = "rebind"
RETURN = "return"
REGISTERED = "registered"  # volume known, not yet in a borrow batch
DONE = "done"  # volume back on the shelf / work batch finished

ALL_STAGES: tuple[str, ...] = (
    BORROW, SORT, SCAN, RETOUCH, INDEX, UPLOAD, QC, QC2, QC3, REBIND, RETURN,
)
DEFAULT_STAGES: tuple[str, ...] = (
    BORROW, SORT, SCAN, RETOUCH, INDEX, UPLOAD, QC, REBIND, RETURN,
)
QC_LEVELS: tuple[str, ...] = (QC, QC2, QC3)  # 一检 / 二检 / 终检
REQUIRED_STAGES: tuple[str, ...] = (BORROW, SCAN, RETURN)
# Stages handled per borrow batch (借卷/还卷); all others are per work batch.
BORROW_BATCH_STAGES: frozenset[str] = frozenset({BORROW, RETURN})

# (a, b): when both are in the graph, a must come before b.
PRECEDENCE: tuple[tuple[str, str], ...] = (
    (SORT, SCAN),
    (SCAN, RETOUCH), (SCAN, INDEX), (SCAN, UPLOAD),
    (INDEX, UPLOAD),
    (SCAN, QC), (RETOUCH, QC), (INDEX, QC), (UPLOAD, QC),
    (QC, QC2), (QC2, QC3),
    (QC, REBIND), (QC2, REBIND), (QC3, REBIND),
    (SORT, REBIND), (SCAN, REBIND), (RETOUCH, REBIND), (INDEX, REBIND), (UPLOAD, REBIND),
)

# --- roles --------------------------------------------------------------------------------
BORROW_CLERK = "borrow_clerk"
SORTER = "sorter"
SCAN_OPERATOR = "scan_operator"
RETOUCHER = "retoucher"
INDEXER = "indexer"
UPLOADER = "uploader"
QC_INSPECTOR = "qc_inspector"
BINDER = "binder"
PROJECT_MANAGER = "project_manager"
ARCHIVE_STAFF = "archive_staff"

ROLES: tuple[str, ...] = (
    BORROW_CLERK, SORTER, SCAN_OPERATOR, RETOUCHER, INDEXER, UPLOADER, QC_INSPECTOR, BINDER,
    PROJECT_MANAGER, ARCHIVE_STAFF,
)

# The role that holds a claim for a stage (the claim's ``role`` column) ...
STAGE_ROLE: dict[str, str] = {
    BORROW: BORROW_CLERK,
    SORT: SORTER,
    SCAN: SCAN_OPERATOR,
    RETOUCH: RETOUCHER,
    INDEX: INDEXER,
    UPLOAD: UPLOADER,
    QC: QC_INSPECTOR,
    QC2: QC_INSPECTOR,
    QC3: QC_INSPECTOR,
    REBIND: BINDER,
    RETURN: BORROW_CLERK,
}
# ... and the roles whose holders may take it (an indexer usually uploads too, DOMAIN.md).
STAGE_ALLOWED_ROLES: dict[str, frozenset[str]] = {
    stage: frozenset({role}) for stage, role in STAGE_ROLE.items()
}
STAGE_ALLOWED_ROLES[UPLOAD] = frozenset({UPLOADER, INDEXER})

# --- event kinds (StageEvent.kind) ------------------------------------------------------------
EVENT_SIGNOFF = "signoff"
EVENT_CLAIM = "claim"
EVENT_RELEASE = "release"  # a claim handed back
EVENT_BORROW_LIST = "borrow_list"  # volume put on a borrow batch's register
EVENT_BORROW_CONFIRM = "borrow_confirm"  # one side (clerk / archive staff) confirms the borrowing
EVENT_BORROW_PROBLEM = "borrow_problem"  # problem found at borrowing, noted at once
EVENT_BORROW_REMOVE = "borrow_remove"  # a volume taken off a borrow batch not yet confirmed
EVENT_BORROW_CANCEL = "borrow_cancel"  # a borrow batch not yet confirmed cancelled
EVENT_SPLIT = "batch_split"  # a work batch made from a borrow batch
EVENT_SORT_RECORD = "sort_record"  # unbinding notes, special bindings photographed, pages numbered
EVENT_SCAN_RECORD = "scan_record"  # ingest recorded a volume's pages (problems, warnings)
EVENT_RETOUCH_RECORD = "retouch_record"  # retouch recorded a volume's files, metrics, defects
EVENT_CATALOGUE = "catalogue_import"  # a catalogue recorded for volumes (by whom, which file)
EVENT_PACKAGE = "package"  # delivery files built from verified pages
EVENT_DEFECT = "defect"
EVENT_QC_SAMPLE = "qc_sample"
EVENT_QC_DECISION = "qc_decision"
EVENT_REWORK_OPEN = "rework_open"
EVENT_REWORK_DONE = "rework_done"
EVENT_BINDING_AGREED = "binding_agreed"
EVENT_TRIAL_APPROVED = "binding_trial_approved"
EVENT_RETURN_CONFIRM = "return_confirm"
EVENT_CORRECTION = "correction"
EVENT_LOCAL_COPY_DELETED = "local_copy_deleted"  # a scan station's local copy of a volume removed
EVENT_WORK_WAIVED = "work_waived"  # a stage signed without its recorded work, with the reason

EVENT_KINDS: tuple[str, ...] = (
    EVENT_SIGNOFF, EVENT_CLAIM, EVENT_RELEASE, EVENT_BORROW_LIST, EVENT_BORROW_CONFIRM,
    EVENT_BORROW_PROBLEM, EVENT_BORROW_REMOVE, EVENT_BORROW_CANCEL, EVENT_SPLIT,
    EVENT_SORT_RECORD, EVENT_DEFECT, EVENT_QC_SAMPLE, EVENT_QC_DECISION, EVENT_REWORK_OPEN,
    EVENT_REWORK_DONE, EVENT_BINDING_AGREED, EVENT_TRIAL_APPROVED, EVENT_RETURN_CONFIRM,
    EVENT_CORRECTION, EVENT_SCAN_RECORD, EVENT_RETOUCH_RECORD, EVENT_CATALOGUE, EVENT_PACKAGE,
    EVENT_LOCAL_COPY_DELETED, EVENT_WORK_WAIVED,
)

# --- statuses ---------------------------------------------------------------------------------
WAITING = "waiting"  # ready for the next claim at its stage
CLAIMED = "claimed"  # held by a worker
IN_REWORK = "rework"  # open rework blocks progress
FINISHED = "done"

BORROW_PLANNED = "planned"
BORROW_OUT = "borrowed"
BORROW_RETURNED = "returned"
BORROW_CANCELLED = "cancelled"  # cancelled before confirming: no volume left the shelf

# --- defects: which stage an error type arises in (QC sends it back there) -------------------
# Declared in ``dangan.domain.registry``; these are the QC error types (DOMAIN.md).
DEFECT_STAGE: dict[str, str] = {code: registry.DEFECTS[code].stage
                                for code in registry.QC_DEFECT_CODES}
MAX_QC_ATTEMPTS = 3  # inspections of one batch at one QC level (first + two re-inspections)


@dataclass(frozen=True)
class Refusal:
    """Why a step is not allowed: a catalogue key and its parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StageGraph:
    """The project's line: an ordered, validated sequence of stages."""

    stages: tuple[str, ...]
    delivery_forms: tuple[str, ...] = ("pdf",)  # every form the upload stage must deliver

    @classmethod
    def build(cls, stages: Sequence[str], qc_rounds: int = 1,
              delivery_forms: Sequence[str] = ("pdf",)) -> StageGraph:
        """Validate ``stages`` and add the QC levels ``qc_rounds`` asks for; raise ValueError."""
        problems = validate_stages(stages, qc_rounds)
        if problems:
            raise GraphError(problems)
        ordered = list(stages)
        if QC in ordered:
            at = ordered.index(QC)
            for level in QC_LEVELS[1:qc_rounds]:
                if level not in ordered:
                    at = ordered.index(QC_LEVELS[QC_LEVELS.index(level) - 1])
                    ordered.insert(at + 1, level)
        return cls(tuple(ordered), tuple(delivery_forms))

    def __contains__(self, stage: object) -> bool:
        return stage in self.stages

    def next(self, stage: str) -> str:
        """The stage after ``stage``; DONE after the last."""
        i = self.stages.index(stage)
        return self.stages[i + 1] if i + 1 < len(self.stages) else DONE

    def previous(self, stage: str) -> str | None:
        i = self.stages.index(stage)
        return self.stages[i - 1] if i > 0 else None

    @property
    def work_stages(self) -> tuple[str, ...]:
        """Stages a work batch goes through (everything between borrow and return)."""
        return tuple(s for s in self.stages if s not in BORROW_BATCH_STAGES)

    @property
    def first_work_stage(self) -> str:
        return self.work_stages[0] if self.work_stages else RETURN

    @property
    def qc_levels(self) -> tuple[str, ...]:
        return tuple(s for s in self.stages if s in QC_LEVELS)

    def position(self, stage: str) -> int:
        """Order of a stage for comparisons; REGISTERED before all, DONE after all."""
        if stage == REGISTERED:
            return -1
        if stage == DONE:
            return len(self.stages)
        return self.stages.index(stage)

    def passed(self, volume_stage: str, stage: str) -> bool:
        """Whether a volume now at ``volume_stage`` has already finished ``stage``."""
        return self.position(volume_stage) > self.position(stage)

    def check_signoff(self, current: str, stage: str) -> Refusal | None:
        """May a batch/volume now at ``current`` be signed off for ``stage``?"""
        if stage not in self.stages:
            return Refusal("workflow.stage_not_in_line", {"stage": stage,
                                                          "line": " → ".join(self.stages)})
        if current != stage:
            return Refusal("workflow.wrong_stage", {"stage": stage, "current": current})
        return None

    def check_claim(self, current: str, stage: str) -> Refusal | None:
        """May a batch now at ``current`` be claimed for ``stage``? The sign-off's rule, said
        as a claim: a batch is claimed for the stage it has reached, not one further on."""
        refusal = self.check_signoff(current, stage)
        if refusal is not None and refusal.key == "workflow.wrong_stage":
            return Refusal("workflow.claim_wrong_stage", refusal.params)
        return refusal

    def role_for(self, stage: str) -> str:
        return STAGE_ROLE[stage]


class GraphError(ValueError):
    """The configured stage list is not a valid line; ``problems`` are Refusals."""

    def __init__(self, problems: list[Refusal]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.key for p in problems))


def validate_stages(stages: Sequence[str], qc_rounds: int = 1) -> list[Refusal]:
    """Every reason the stage list is not a valid line (empty when it is)."""
    problems: list[Refusal] = []
    seen: set[str] = set()
    for stage in stages:
        if stage not in ALL_STAGES:
            problems.append(Refusal("workflow.unknown_stage",
                                    {"stage": stage, "choices": ", ".join(ALL_STAGES)}))
        elif stage in seen:
            problems.append(Refusal("workflow.duplicate_stage", {"stage": stage}))
        seen.add(stage)
    for stage in REQUIRED_STAGES:
        if stage not in seen:
            problems.append(Refusal("workflow.required_stage", {"stage": stage}))
    if stages and stages[0] != BORROW:
        problems.append(Refusal("workflow.first_stage", {"stage": stages[0]}))
    if stages and stages[-1] != RETURN:
        problems.append(Refusal("workflow.last_stage", {"stage": stages[-1]}))
    order = {s: i for i, s in enumerate(stages)}
    for a, b in PRECEDENCE:
        if a in order and b in order and order[a] > order[b]:
            problems.append(Refusal("workflow.order", {"before": a, "after": b}))
    for level in (QC2, QC3):
        prev = QC_LEVELS[QC_LEVELS.index(level) - 1]
        if level in seen and prev not in seen:
            problems.append(Refusal("workflow.qc_level_gap", {"stage": level, "missing": prev}))
    if qc_rounds > 1 and QC not in seen:
        problems.append(Refusal("workflow.qc_rounds_without_qc", {"rounds": qc_rounds}))
    return problems


def split_by_workload(pages: Sequence[int], capacity: int) -> list[list[int]]:
    """Group consecutive volumes (given by page count) into work batches of ≤ capacity pages.

    A volume is never split; a single volume larger than the capacity forms its own batch.
    Returns lists of indices into ``pages``, in order.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    load = 0
    for i, n in enumerate(pages):
        if current and load + n > capacity:
            batches.append(current)
            current, load = [], 0
        current.append(i)
        load += n
    if current:
        batches.append(current)
    return batches


def work_batch_code(borrow_no: int, total: int, seq: int) -> str:
    """The seed's label: borrow batch 1 split into 6 work batches, the 2nd is ``1-6-2``."""
    return f"{borrow_no}-{total}-{seq}"


def defect_stage(code: str, graph: StageGraph) -> str | None:
    """The stage a defect of ``code`` goes back to; if the project skips that stage, the
    first stage after it in the line (which did that work)."""
    stage = registry.defect_stage(code)
    if stage is None:
        return None
    if stage in graph:
        return stage
    # the stage is skipped in this project: the earliest present stage after it did the work
    i = ALL_STAGES.index(stage)
    for later in ALL_STAGES[i + 1:]:
        if later in graph:
            return later
    return None


def missing_in_return(register: Iterable[str], handed: Iterable[str]) -> tuple[list[str], list[str]]:
    """Compare a return hand-over with the register: (missing, extra) archive codes."""
    reg = list(register)
    got = list(handed)
    return [c for c in reg if c not in set(got)], [c for c in got if c not in set(reg)]


def first_order_mismatch(register: Sequence[str], handed: Sequence[str]) -> int | None:
    """Index of the first position where the hand-over differs from the borrow order."""
    for i, (a, b) in enumerate(zip(register, handed, strict=False)):
        if a != b:
            return i
    if len(register) != len(handed):
        return min(len(register), len(handed))
    return None
