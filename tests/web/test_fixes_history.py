"""A volume's history on /volumes/{code} names each event and its scope in words from the
catalogue, in the reader's language, as ``dangan history`` does — never the internal codes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from dangan.i18n import set_language, t
from web.support import Line, login

CODES = ("borrow_list", "signoff", "qc_decision", "work_batch", "borrow_batch")


def _cells(page: str) -> list[tuple[str, str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [(m.group(1), m.group(2)) for m in re.finditer(
        r"<tr data-kind=\"[^\"]*\"><td>[^<]*</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>",
        body)]


def test_history_in_words_in_both_languages(app_client: TestClient, line: Line) -> None:
    code = line.volume_codes(line.batches[0])[0]
    line.to_scan(line.batches[0])  # claimed, sorting recorded and signed
    token = login(app_client, "clerk")
    for lang in ("zh", "en"):
        assert app_client.post("/lang", data={"csrf_token": token, "lang": lang,
                                              "back": "/tasks"}).status_code == 303
        page = app_client.get(f"/volumes/{code}").text
        cells = _cells(page)
        assert cells and all(kind not in CODES and scope not in CODES
                             for kind, scope in cells), cells
        set_language(lang)
        try:
            words = {t("workflow.event.borrow_list"), t("workflow.event.signoff"),
                     t("history.scope.volume"), t("history.scope.borrow_batch"),
                     t("history.scope.work_batch")}
        finally:
            set_language(None)
        shown = {kind for kind, _ in cells} | {scope for _, scope in cells}
        assert words <= shown, (words - shown, cells)
    assert any(kind == "listed for borrowing" for kind, _ in cells)  # the last page: English
