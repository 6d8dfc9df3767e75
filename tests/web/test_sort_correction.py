"""Correcting a sort record on the 整理 page keeps what it does not change (the notes, the
photos of special bindings) and records what it does (the earlier record kept); a refused
form comes back with the reason beside the field and what was typed; the page's title is
text; pages numbered that differ from the registered count are said, not refused."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from fastapi.testclient import TestClient

from dangan.db.models import StageEvent
from dangan.i18n import t
from web.support import Line, login
from web.test_records import PNG, _sort_records


def _start(app_client: TestClient, line: Line) -> tuple[str, str, str, str]:
    """The sorter holds the first batch; (its code, the first volume, the page, the token)."""
    code = line.batches[0]
    first = line.volume_codes(code)[0]
    token = login(app_client, "sorter")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    return code, first, f"/records/sort/{quote(code, safe='')}", token


def _form_of(page: str, archive_code: str) -> dict[str, str | list[str]]:
    """The fields the page's form for one volume sends as it is shown (a browser: the
    boxes' values, the hidden fields; no box ticked)."""
    match = re.search(r'<form[^>]*action="[^"]*' + re.escape(quote(archive_code)) +
                      r'"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"no form for {archive_code}"
    fields: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", match.group(1)):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("file", "checkbox")):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def _latest(line: Line) -> StageEvent:
    return _sort_records(line)[-1]


def test_changing_only_the_page_count_keeps_the_photo_and_the_notes(
        app_client: TestClient, line: Line) -> None:
    """The trial's volume 0002: one photo and the note "真照片"; the sorter corrects 42 to 43
    pages on the form as shown, no photo chosen."""
    _code, first, url, token = _start(app_client, line)
    assert app_client.post(f"{url}/{quote(first)}", data={
        "csrf_token": token, "pages_numbered": "42", "unbind_notes": "真照片"},
        files=[("photos", ("装订.png", PNG, "image/png"))]).status_code == 303
    [saved] = _sort_records(line)
    [photo] = saved.data["special_binding_photos"]
    form = _form_of(app_client.get(url).text, first)
    assert form["unbind_notes"] == "真照片" and form["pages_numbered"] == "42"
    assert form["record_id"] == str(saved.id)
    form["pages_numbered"] = "43"
    corrected = app_client.post(f"{url}/{quote(first)}", data=form)
    assert corrected.status_code == 303, corrected.text
    earlier, latest = _sort_records(line)
    assert earlier.data == saved.data  # the earlier record is kept as it was
    assert latest.data["pages_numbered"] == 43 and latest.data["unbind_notes"] == "真照片"
    assert latest.data["special_binding_photos"] == [photo]
    assert latest.data["corrects"] == saved.id
    assert latest.data["changed"] == {"pages_numbered": [42, 43]}
    page = app_client.get(url).text
    assert t("records.sort.saved", code=first, pages=43, photos=1) in page
    assert t("records.sort.history", count=1) in page


def test_a_form_without_the_record_it_corrects_never_erases(app_client: TestClient,
                                                            line: Line) -> None:
    """An older form (no record id, the notes box empty, no photo chosen) keeps the saved
    notes and photos: empty means unchanged."""
    _code, first, url, token = _start(app_client, line)
    app_client.post(f"{url}/{quote(first)}", data={
        "csrf_token": token, "pages_numbered": "40", "unbind_notes": "三孔线装"},
        files=[("photos", ("装订.png", PNG, "image/png"))])
    assert app_client.post(f"{url}/{quote(first)}", data={
        "csrf_token": token, "pages_numbered": "41", "unbind_notes": "",
        "remarks": ""}).status_code == 303
    latest = _latest(line)
    assert latest.data["pages_numbered"] == 41 and latest.data["unbind_notes"] == "三孔线装"
    assert len(latest.data["special_binding_photos"]) == 1
    assert latest.data["changed"] == {"pages_numbered": [40, 41]}


def test_removing_a_photo_and_clearing_the_notes_are_explicit_and_recorded(
        app_client: TestClient, line: Line) -> None:
    _code, first, url, token = _start(app_client, line)
    app_client.post(f"{url}/{quote(first)}", data={
        "csrf_token": token, "pages_numbered": "40", "unbind_notes": "三孔线装"},
        files=[("photos", ("装订.png", PNG, "image/png"))])
    [saved] = _sort_records(line)
    [photo] = saved.data["special_binding_photos"]
    page = app_client.get(url).text
    assert f'name="remove_photos" value="{photo}"' in page
    form = _form_of(page, first)
    form.update(unbind_notes="", remove_photos=[photo], remarks="照片拍错了卷")
    assert app_client.post(f"{url}/{quote(first)}", data=form).status_code == 303
    latest = _latest(line)
    assert latest.data["special_binding_photos"] == [] and latest.data["unbind_notes"] == ""
    assert latest.data["removed_photos"] == [photo]
    assert latest.data["changed"] == {"unbind_notes": ["三孔线装", ""],
                                      "special_binding_photos": [[photo], []]}
    assert latest.remarks == "照片拍错了卷"
    assert line.ctx.storage.read_bytes(photo.split("#")[0]) == PNG  # the earlier record's file
    # the same form again (a stale page): refused on the page, nothing recorded over it
    stale = app_client.post(f"{url}/{quote(first)}", data={**form, "pages_numbered": "39"})
    assert stale.status_code == 409 and 'data-key="sort.record_changed"' in stale.text
    assert 'value="39"' in stale.text and len(_sort_records(line)) == 2


def test_a_refused_sort_form_shows_the_reason_beside_the_field_and_keeps_the_typing(
        app_client: TestClient, line: Line) -> None:
    _code, first, url, token = _start(app_client, line)
    said = t("records.sort.pages")
    for pages, key, message in [
            ("-5", "sort.bad_page_count", t("sort.bad_page_count", value=-5)),
            ("0", "sort.bad_page_count", t("sort.bad_page_count", value=0)),
            ("38.5", "web.invalid.int", t("web.invalid.int", field=said)),
            ("", "web.invalid.missing", t("web.invalid.missing", field=said)),
            ("100000000", "web.invalid.less_than_equal",
             t("web.invalid.less_than_equal", field=said, le=100_000))]:
        refused = app_client.post(f"{url}/{quote(first)}", data={
            "csrf_token": token, "pages_numbered": pages, "unbind_notes": "拆卷说明保留X",
            "remarks": "封面脱落"})
        assert refused.status_code == 422, (pages, refused.text)
        assert f'data-key="{key}" data-field="pages_numbered"' in refused.text
        assert html.escape(message, quote=False) in refused.text
        assert f'value="{pages}"' in refused.text and 'value="拆卷说明保留X"' in refused.text
        assert 'value="封面脱落"' in refused.text and t("web.error.title") not in refused.text
    long = "长" * 2001
    refused = app_client.post(f"{url}/{quote(first)}", data={
        "csrf_token": token, "pages_numbered": "38", "unbind_notes": long})
    assert refused.status_code == 422
    assert 'data-key="web.invalid.string_too_long" data-field="unbind_notes"' in refused.text
    assert t("web.invalid.string_too_long", field=t("records.sort.notes"),
             max_length=2000) in refused.text
    assert f'value="{long}"' in refused.text and 'value="38"' in refused.text
    assert _sort_records(line) == []


def test_the_sort_page_title_is_text(app_client: TestClient, line: Line) -> None:
    code, _first, url, _token = _start(app_client, line)
    title = re.search(r"<title>(.*?)</title>", app_client.get(url).text, re.S)
    assert title and title.group(1).strip() == t("records.sort.title", code=code)


def test_pages_numbered_other_than_registered_are_said_not_refused(app_client: TestClient,
                                                                  line: Line) -> None:
    """Registered 40 (the client's list), numbered 38: saved, with the warning on the page,
    in the saved message and the registered count kept with the record."""
    code, first, url, token = _start(app_client, line)
    second = line.volume_codes(code)[1]
    warning = t("sort.page_differs", registered=40, numbered=38)
    assert app_client.post(f"{url}/{quote(first)}", data={
        "csrf_token": token, "pages_numbered": "38"}).status_code == 303
    page = app_client.get(url).text
    assert f'{t("records.sort.saved", code=first, pages=38, photos=0)} {warning}' in page
    assert page.count('data-key="sort.page_differs"') == 1
    assert app_client.post(f"{url}/{quote(second)}", data={
        "csrf_token": token, "pages_numbered": "40"}).status_code == 303
    short, agreed = _sort_records(line)
    assert short.data["registered_pages"] == 40 and short.data["pages_numbered"] == 38
    assert agreed.data["registered_pages"] == 40
    page = app_client.get(url).text
    assert page.count('data-key="sort.page_differs"') == 1
