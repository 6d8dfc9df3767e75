"""Notes on the borrow register made after both sides signed it (后补记录).

The register's 借出时情况 is what the archive room co-signed at borrowing and never changes
afterwards; a problem noted later is kept apart, with its time and the person who noted it,
and printed in a column of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dangan.domain.records import RegisterRow


@dataclass(frozen=True)
class LaterNote:
    at: datetime
    person: str
    text: str


@dataclass(frozen=True)
class NotedRegisterRow(RegisterRow):
    """A register row with the notes made after the register was signed."""

    later_notes: tuple[LaterNote, ...] = ()


def later_notes(row: RegisterRow) -> tuple[LaterNote, ...]:
    return row.later_notes if isinstance(row, NotedRegisterRow) else ()
