"""What a report looks like on paper, independent of the format it is written in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A line chart drawn from a table: column ``x`` against the ``series`` columns."""

    title: str
    table: int  # index into ReportDoc.tables
    x: int
    series: tuple[int, ...]


@dataclass(frozen=True)
class ReportDoc:
    title: str
    project: str
    facts: tuple[tuple[str, Any], ...]
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...] = ()
    fill_in: tuple[str, ...] = field(default=())  # blank fields for the manager to write in
