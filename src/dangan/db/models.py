"""The schema of the whole line, designed up front for workflow, QC and reports.

Conventions: surrogate integer keys; every table that grows with pages is indexed on the
columns its queries filter by (volume, work batch, stage, status); free-form per-project
fields live in JSON columns so a client's extra columns are kept without schema changes.
``StageEvent`` is append-only (enforced by the ORM here and by database triggers in the
migrations): a correction is a new event that points at the one it corrects.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


Timestamp = DateTime(timezone=True)


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Stable identity shared with dangan.toml's ``project.id`` (see migration 0003).
    uuid: Mapped[str | None] = mapped_column(String(36), unique=True, index=True)
    client: Mapped[str] = mapped_column(String(200), default="")
    template: Mapped[str] = mapped_column(String(40), default="court")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Worker(Base):
    """A person on the line. Names are what appear on sign-offs (责任到人)."""

    __tablename__ = "worker"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    login: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    # 老带新: a probationer's deductions also charge the mentor until this date (inclusive)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    probation_until: Mapped[date | None] = mapped_column(Date)
    roles: Mapped[list[WorkerRole]] = relationship(back_populates="worker", cascade="all")
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        UniqueConstraint("project_id", "login"),
    )


class WorkerRole(Base):
    __tablename__ = "worker_role"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    worker: Mapped[Worker] = relationship(back_populates="roles")
    __table_args__ = (UniqueConstraint("worker_id", "role"),)


class BorrowBatch(Base):
    """大批次: volumes that leave the archive room together, signed by both sides."""

    __tablename__ = "borrow_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="planned", index=True)
    borrow_clerk_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    archive_staff: Mapped[str | None] = mapped_column(String(100))
    borrowed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    archive_confirmed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    due_at: Mapped[datetime | None] = mapped_column(Timestamp)
    return_clerk_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    return_archive_staff: Mapped[str | None] = mapped_column(String(100))
    returned_at: Mapped[datetime | None] = mapped_column(Timestamp)
    return_confirmed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    shelving_rule: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    __table_args__ = (UniqueConstraint("project_id", "no"),)


class WorkBatch(Base):
    """小批次: half a day or a day of work; never split between two people of one role."""

    __tablename__ = "work_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    borrow_batch_id: Mapped[int] = mapped_column(ForeignKey("borrow_batch.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # seed's label "1-6-2"
    seq: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20), default="sort", index=True)
    status: Mapped[str] = mapped_column(String(20), default="waiting", index=True)
    planned_pages: Mapped[int] = mapped_column(Integer, default=0)
    qc_round: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    __table_args__ = (UniqueConstraint("project_id", "code"),)


class Volume(Base):
    """案卷: the unit of the paper archive, identified by its archive code (档号)."""

    __tablename__ = "volume"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    archive_code: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(200), default="")
    expected_pages: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    list_row: Mapped[int | None] = mapped_column(Integer)  # row in the client's volume list
    borrow_batch_id: Mapped[int | None] = mapped_column(ForeignKey("borrow_batch.id"))
    work_batch_id: Mapped[int | None] = mapped_column(ForeignKey("work_batch.id"))
    folder_name: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20), default="registered")
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    page_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)
    __table_args__ = (
        UniqueConstraint("project_id", "archive_code"),
        Index("ix_volume_project_stage", "project_id", "stage", "status"),
        Index("ix_volume_work_batch", "work_batch_id"),
        Index("ix_volume_borrow_batch", "borrow_batch_id"),
    )


class Page(Base):
    """One page image of a volume, by page number; metrics from intake and retouch."""

    __tablename__ = "page"
    id: Mapped[int] = mapped_column(primary_key=True)
    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"))
    page_no: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    dpi: Mapped[int | None] = mapped_column(Integer)
    colour_mode: Mapped[str | None] = mapped_column(String(20))
    format: Mapped[str | None] = mapped_column(String(10))
    blank: Mapped[bool] = mapped_column(Boolean, default=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (UniqueConstraint("volume_id", "page_no"),)


class StoredFile(Base):
    """Every file dangan wrote or took in, with its checksum (fixity)."""

    __tablename__ = "stored_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    volume_id: Mapped[int | None] = mapped_column(ForeignKey("volume.id"))
    page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id"))
    area: Mapped[str] = mapped_column(String(20))  # scanned / retouched / catalogue / uploaded / ...
    path: Mapped[str] = mapped_column(String(500))  # relative to the storage root, "/" separated
    kind: Mapped[str] = mapped_column(String(20), default="page")  # page / pdf / sheet / ...
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(Timestamp)
    __table_args__ = (
        UniqueConstraint("project_id", "path"),
        Index("ix_stored_file_volume_area", "volume_id", "area"),
        Index("ix_stored_file_project_area", "project_id", "area"),
        Index("ix_stored_file_page", "page_id"),
        Index("ix_stored_file_project_area_sha256", "project_id", "area", "sha256"),
    )


class Item(Base):
    """件 / 卷内目录 row: a document inside a volume, mapped to a page range."""

    __tablename__ = "item"
    id: Mapped[int] = mapped_column(primary_key=True)
    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"))
    seq: Mapped[int] = mapped_column(Integer)  # 顺序号 / 件号
    doc_no: Mapped[str] = mapped_column(String(200), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[str] = mapped_column(String(20), default="")  # YYYYMMDD or partial
    page_start: Mapped[int] = mapped_column(Integer)
    page_end: Mapped[int] = mapped_column(Integer)
    security_class: Mapped[str] = mapped_column(String(20), default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (UniqueConstraint("volume_id", "seq"),)


class VolumeRecord(Base):
    """卷宗信息标引: the cover data of a volume; fields follow the project's template."""

    __tablename__ = "volume_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"), unique=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    indexer_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class CatalogueKeying(Base):
    """一稿双录: one independent typing of a volume's catalogue, kept for comparison."""

    __tablename__ = "catalogue_keying"
    id: Mapped[int] = mapped_column(primary_key=True)
    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # 1 = first typist, 2 = second, 3 = resolution
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    source: Mapped[str] = mapped_column(String(300), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    differences: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class Claim(Base):
    """A worker holds a work batch for a stage. One open claim per (batch, role)."""

    __tablename__ = "claim"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_batch_id: Mapped[int] = mapped_column(ForeignKey("work_batch.id"))
    stage: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(40))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(Timestamp)
    release_reason: Mapped[str | None] = mapped_column(String(40))  # signed_off / handed_back
    __table_args__ = (
        Index(
            "uq_claim_open_batch_role",
            "work_batch_id",
            "role",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
        Index("ix_claim_batch_stage", "work_batch_id", "stage"),
    )


class StageEvent(Base):
    """The audit trail: claims, sign-offs, rework, borrow/return confirmations. Append-only."""

    __tablename__ = "stage_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    kind: Mapped[str] = mapped_column(String(30))  # claim / signoff / release / defect / rework / ...
    stage: Mapped[str | None] = mapped_column(String(20))
    work_batch_id: Mapped[int | None] = mapped_column(ForeignKey("work_batch.id"))
    volume_id: Mapped[int | None] = mapped_column(ForeignKey("volume.id"))
    borrow_batch_id: Mapped[int | None] = mapped_column(ForeignKey("borrow_batch.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    person: Mapped[str] = mapped_column(String(100))  # the name as signed, kept even if renamed
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    remarks: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("stage_event.id"))
    # A volume's sign-off that is its first of the stage (true; else null): the unit of work
    # every report counts, written with the sign-off by the engine (migration 0018 set it on
    # the sign-offs before). At most one per volume and stage, the database refuses a second.
    first_signoff: Mapped[bool | None] = mapped_column(Boolean)
    __table_args__ = (
        Index("ix_stage_event_volume", "volume_id", "at"),
        Index("ix_stage_event_batch", "work_batch_id", "at"),
        Index("ix_stage_event_project_kind", "project_id", "kind", "stage", "at"),
        Index("ix_stage_event_worker", "worker_id", "at"),
        Index("ix_stage_event_first_signoff", "volume_id", "stage", unique=True,
              sqlite_where=text("first_signoff"), postgresql_where=text("first_signoff")),
    )


class Defect(Base):
    """An error found by a check or an inspector, owned by the stage (and person) it came from."""

    __tablename__ = "defect"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    volume_id: Mapped[int | None] = mapped_column(ForeignKey("volume.id"))
    work_batch_id: Mapped[int | None] = mapped_column(ForeignKey("work_batch.id"))
    page_no: Mapped[int | None] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    code: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10), default="error")  # error / warning
    source: Mapped[str] = mapped_column(String(20))  # check / retouch / link / qc / borrow
    stage: Mapped[str | None] = mapped_column(String(20))  # where it arose
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("qc_inspection.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # worker / original (原卷错误: the paper's own fault, recorded, never charged)
    cause: Mapped[str] = mapped_column(String(20), default="worker", server_default="worker")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / fixed / verified / waived
    found_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(Timestamp)
    __table_args__ = (
        Index("ix_defect_volume_status", "volume_id", "status"),
        Index("ix_defect_batch_status", "work_batch_id", "status"),
        Index("ix_defect_project_status", "project_id", "status", "code"),
        Index("ix_defect_responsible", "responsible_id", "status"),
    )


class QCInspection(Base):
    """One QC round of a work batch: the drawn sample (reproducible from seed) and the verdict."""

    __tablename__ = "qc_inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_batch_id: Mapped[int] = mapped_column(ForeignKey("work_batch.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    seed: Mapped[int] = mapped_column(BigInteger)
    sample: Mapped[list[Any]] = mapped_column(JSON, default=list)
    population: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp)
    decision: Mapped[str | None] = mapped_column(String(10))  # pass / fail
    pass_rate: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (UniqueConstraint("work_batch_id", "round"),)


class Rework(Base):
    """返工: work sent back to the responsible worker of the stage where a defect arose."""

    __tablename__ = "rework"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    work_batch_id: Mapped[int | None] = mapped_column(ForeignKey("work_batch.id"))
    volume_id: Mapped[int | None] = mapped_column(ForeignKey("volume.id"))
    defect_id: Mapped[int | None] = mapped_column(ForeignKey("defect.id"))
    stage: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / done / verified
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp)
    verified_at: Mapped[datetime | None] = mapped_column(Timestamp)
    __table_args__ = (
        Index("ix_rework_assignee_status", "assignee_id", "status"),
        Index("ix_rework_batch_status", "work_batch_id", "status"),
    )


class BorrowRegisterEntry(Base):
    """借卷详情登记表 row: one volume out of the archive room and back, in order."""

    __tablename__ = "borrow_register_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    borrow_batch_id: Mapped[int] = mapped_column(ForeignKey("borrow_batch.id"))
    volume_id: Mapped[int] = mapped_column(ForeignKey("volume.id"))
    seq: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(200), default="")
    pages_at_borrow: Mapped[int | None] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(Text, default="")  # problems noted at borrowing
    returned_seq: Mapped[int | None] = mapped_column(Integer)
    returned_at: Mapped[datetime | None] = mapped_column(Timestamp)
    __table_args__ = (
        UniqueConstraint("borrow_batch_id", "seq"),
        UniqueConstraint("borrow_batch_id", "volume_id"),
        Index("ix_borrow_register_volume", "volume_id"),
    )


class BindingAgreement(Base):
    """The rebinding method agreed with and signed by the archive-room lead."""

    __tablename__ = "binding_agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    method: Mapped[str] = mapped_column(String(40))  # thread / glue_tube / sewing
    alignment: Mapped[str] = mapped_column(String(40), default="bottom_left")
    punch_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    agreed_by: Mapped[str] = mapped_column(String(100))
    agreed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    trial_volume_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    trial_approved_by: Mapped[str | None] = mapped_column(String(100))
    trial_approved_at: Mapped[datetime | None] = mapped_column(Timestamp)
    remarks: Mapped[str] = mapped_column(Text, default="")


class ImportLog(Base):
    """A spreadsheet taken in (volume list, catalogue), with its checksum."""

    __tablename__ = "import_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class PayPeriod(Base):
    """A closed pay period (计件工资): its lines are stored and never change afterwards."""

    __tablename__ = "pay_period"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    period: Mapped[str] = mapped_column(String(20))  # "2026-11"
    starts_at: Mapped[datetime] = mapped_column(Timestamp)
    ends_at: Mapped[datetime] = mapped_column(Timestamp)
    closed_by: Mapped[str] = mapped_column(String(100), default="")
    closed_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    # the last audit event when closed: later events may change what the period earned
    last_event_id: Mapped[int | None] = mapped_column(BigInteger)
    # what defect lines depended on when closed besides the defects (deductions, mentor share,
    # UTC offset); None: closed before its settled defects were kept (0017)
    defect_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    __table_args__ = (UniqueConstraint("project_id", "period"),)


class PayLine(Base):
    """One line of a closed pay slip: piece work, a deduction, a mentor share or an adjustment."""

    __tablename__ = "pay_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    pay_period_id: Mapped[int] = mapped_column(ForeignKey("pay_period.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # piece / deduction / mentor / adjustment
    stage: Mapped[str] = mapped_column(String(20), default="")
    work_batch_id: Mapped[int | None] = mapped_column(ForeignKey("work_batch.id"))
    defect_id: Mapped[int | None] = mapped_column(ForeignKey("defect.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20), default="")  # page / volume / item / defect
    units: Mapped[float] = mapped_column(Float, default=0.0)
    rate: Mapped[float] = mapped_column(Float, default=0.0)
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PaySettledDefect(Base):
    """A charged defect of the closed periods as the last close settled its pay, kept with the
    inputs of its lines (the defect and its worker's mentor and probation end): the next
    period's adjustments recompute only the defects that differ from it (0017)."""

    __tablename__ = "pay_settled_defect"
    id: Mapped[int] = mapped_column(primary_key=True)
    pay_period_id: Mapped[int] = mapped_column(ForeignKey("pay_period.id"))
    defect_id: Mapped[int] = mapped_column(ForeignKey("defect.id"))
    code: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(20))
    work_batch_id: Mapped[int | None] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(20))
    responsible_id: Mapped[int] = mapped_column(Integer)
    found_at: Mapped[datetime] = mapped_column(Timestamp)
    mentor_id: Mapped[int | None] = mapped_column(Integer)
    probation_until: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("pay_period_id", "defect_id"),)


class StoredFileTally(Base):
    """Stored files and bytes per (project, area, kind), kept by database triggers (0013).

    SQLite keeps one row per key; PostgreSQL adds a row of deltas per statement and folds
    them now and then, so writers never wait for each other. Read it as SUM per key."""

    __tablename__ = "stored_file_tally"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    area: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    files: Mapped[int] = mapped_column(BigInteger)
    bytes: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_stored_file_tally_key", "project_id", "area", "kind"),)


class VolumeTally(Base):
    """Volumes and expected pages per (project, stage, status), kept by database triggers
    (0013) the same way as StoredFileTally. Read it as SUM per key."""

    __tablename__ = "volume_tally"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    volumes: Mapped[int] = mapped_column(BigInteger)
    pages: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_volume_tally_key", "project_id", "stage", "status"),)


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(Session, "before_flush")
def _guard_append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, StageEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation(f"stage_event {obj.id} is append-only")


# Key of the PostgreSQL advisory lock that orders event writers and a pay period's close:
# every transaction writing a stage event holds it shared until it commits; the close takes
# it exclusively for the one read of its boundary, so no event with a lower id commits after
# that read. Advisory locks need no table privilege (the application role may not UPDATE
# ``stage_event``, which LOCK TABLE … SHARE MODE would require).
EVENT_WRITERS_LOCK = 0x64616E67  # "dang"
# Key (with the project's id) of the PostgreSQL advisory lock one pay period's close holds
# until it commits: two closes of one project run one after the other, so the second sees the
# first's stored period ("closes in order", what earlier periods still owe). On SQLite the
# write lock taken at the start of every writing transaction does the same.
PAY_CLOSE_LOCK = 0x70617921  # "pay!"
# Key (with the project's id) of the PostgreSQL advisory lock a binding agreement holds until
# it commits: two archive-room leads agreeing at once run one after the other, so the second
# sees the first's agreement and is refused as it would be later. On SQLite the write lock
# taken at the start of every writing transaction does the same.
BINDING_AGREEMENT_LOCK = 0x62696E64  # "bind"


def _hold_event_writers_lock(connection: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({EVENT_WRITERS_LOCK})")


@event.listens_for(StageEvent, "before_insert")
def _event_added(_mapper: Any, connection: Any, _target: StageEvent) -> None:
    _hold_event_writers_lock(connection)  # session.add(StageEvent(...)) at flush


@event.listens_for(Session, "do_orm_execute")
def _events_inserted(state: Any) -> None:
    # session.execute(insert(StageEvent), [...]): the sign-off's multi-row insert
    if state.is_insert and getattr(state.statement, "table", None) is StageEvent.__table__:
        _hold_event_writers_lock(state.session.connection())


# The web application's tables, teams and the reports' indexes live in their own modules on
# the same metadata.
from dangan.db import team_models as _team_models  # noqa: E402, F401
from dangan.db import web_models as _web_models  # noqa: E402, F401
