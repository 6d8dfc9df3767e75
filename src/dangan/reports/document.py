"""What a report looks like on paper, independent of the format it is written in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# How a column's numbers read (``Table.formats``): yuan with two decimals, a rate of pay, a
# share shown as a percentage, a count, a measure with decimals, a size in bytes.
MONEY, RATE, PERCENT, INTEGER, NUMBER, BYTES = ("money", "rate", "percent", "integer", "number",
                                                "bytes")


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    formats: tuple[str, ...] = ()  # per column: one of the kinds above, "" as it is


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
    fact_kinds: dict[str, str] = field(default_factory=dict)  # a fact's name -> its number kind

    def fact_kind(self, name: str) -> str:
        return self.fact_kinds.get(name, "")


NUMBER_FORMATS = {MONEY: "#,##0.00", RATE: "#,##0.00##", PERCENT: "0.0%", INTEGER: "#,##0",
                  NUMBER: "#,##0.00", BYTES: "#,##0"}


def column_format(table: Table, column: int) -> str:
    return table.formats[column] if column < len(table.formats) else ""


def display(value: Any, kind: str = "") -> str:
    """A cell as text (terminal, PDF): numbers by their column's kind, else as they are."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if kind in (MONEY, NUMBER):
        return f"{value:,.2f}"
    if kind == RATE:
        text = f"{value:,.4f}".rstrip("0")
        return text + "0" * max(0, 2 - len(text.partition(".")[2]))
    if kind == PERCENT:
        return f"{value:.1%}"
    if kind in (INTEGER, BYTES):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return str(value)
