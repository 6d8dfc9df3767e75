"""A volume's pages against the client's register: the pages registered (the volume list),
numbered by the sorter and ingested, and the reason recorded when the binder rebound it
though they differ. Plain data, read by the return list and the web pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dangan.i18n import t


@dataclass(frozen=True)
class PageCheck:
    archive_code: str
    registered: int | None
    numbered: int | None  # the sorter's count (整理编页), None without a sort record
    scanned: int  # page images ingested
    reason: str = ""  # why rebound though the pages differ (装订签字时记录)
    by: str = ""
    at: datetime | None = None

    @property
    def short(self) -> bool:
        """Fewer pages ingested than the sorter numbered."""
        return self.numbered is not None and self.scanned < self.numbered

    @property
    def register_differs(self) -> bool:
        """The pages counted (numbered, or ingested when any) differ from the register.
        A volume with neither (signed through its stages without the work) is not judged."""
        if self.registered is None:
            return False
        return ((self.numbered is not None and self.numbered != self.registered)
                or (self.scanned > 0 and self.scanned != self.registered))

    @property
    def differs(self) -> bool:
        return self.short or self.register_differs

    def words(self) -> str:
        """登记 N 页，整理编页 M 页，已扫描 K 页 (the sorter's count only when recorded)."""
        if self.numbered is None:
            return t("pages.check.words", registered=self._n(self.registered),
                     scanned=self.scanned)
        return t("pages.check.words_numbered", registered=self._n(self.registered),
                 numbered=self.numbered, scanned=self.scanned)

    def note(self, when: str = "") -> str:
        """The difference and its recorded reason (or that none was recorded); empty when the
        pages agree. ``when``: the time of the decision as the form prints it."""
        if not self.differs:
            return ""
        if not self.reason:
            return t("pages.check.no_reason", words=self.words())
        return t("pages.check.with_reason", words=self.words(), reason=self.reason,
                 by=self.by, at=when)

    @staticmethod
    def _n(value: int | None) -> str:
        return "—" if value is None else str(value)
