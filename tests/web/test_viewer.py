"""The page viewer and its images through HTTP: roles, ETag/304, derivatives made once, the
master never written, no path from the browser, hostile files give a placeholder."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from dangan.db.models import Volume
from dangan.storage import derivatives as dv
from dangan.storage.checksum import sha256_bytes
from web.browser import ARGS, sign_in
from web.images import Pages, add_image_accounts, add_pages, page_jpeg
from web.support import Line, login
from web.test_qc_desk import chromium, served_at_qc  # noqa: F401  (fixtures)


@pytest.fixture
def pages(line: Line) -> Pages:
    add_image_accounts(line.ctx)
    return add_pages(line.ctx, line.volume_codes(line.batches[0])[0], count=3)


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    made: list[int] = []
    real = dv.make_derivative

    def counting(data: bytes, side: int, quality: int = 80) -> bytes:
        made.append(side)
        return real(data, side, quality)

    monkeypatch.setattr(dv, "make_derivative", counting)
    return made


def test_preview_and_thumbnail_made_once_with_etag(app_client: TestClient, line: Line, pages: Pages,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    made = _count_decodes(monkeypatch)
    login(app_client, "qc")
    master = line.ctx.storage.read_bytes(f"{pages.folder}/0002.jpg")
    url = f"/pages/{pages.volume_id}/2/preview.jpg"
    first = app_client.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
    assert first.headers["etag"] == f'"{sha256_bytes(master)}-preview"'
    assert first.headers["cache-control"].startswith("private")
    with Image.open(io.BytesIO(first.content)) as img:
        assert max(img.size) <= dv.SIDES["preview"]
    again = app_client.get(url)
    assert again.content == first.content
    not_modified = app_client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304 and not not_modified.content
    thumb = app_client.get(f"/pages/{pages.volume_id}/2/thumb.jpg")
    with Image.open(io.BytesIO(thumb.content)) as img:
        assert max(img.size) <= dv.SIDES["thumb"]
    app_client.get(f"/pages/{pages.volume_id}/2/thumb.jpg")
    assert made == [dv.SIDES["preview"], dv.SIDES["thumb"]]  # each made once
    # the master is untouched and nothing was written beside it
    assert line.ctx.storage.read_bytes(f"{pages.folder}/0002.jpg") == master
    assert sorted(line.ctx.storage.fs.ls(line.ctx.storage.path(pages.folder), detail=False))[-1] \
        .endswith("0003.jpg")
    assert len(list((line.ctx.home / "cache" / "derivatives").rglob("*.jpg"))) == 2


def test_roles_andsign_in(app_client: TestClient, pages: Pages) -> None:
    url = f"/pages/{pages.volume_id}/1/thumb.jpg"
    assert app_client.get(url, headers={"Accept": "application/json"}).status_code == 401
    login(app_client, "clerk")  # a borrow clerk does not look at page images
    refused = app_client.get(url, headers={"Accept": "application/json"})
    assert refused.status_code == 403 and refused.json()["key"] == "web.forbidden"
    for user in ("scanner", "retoucher", "indexer", "qc", "admin"):
        login(app_client, user)
        assert app_client.get(url).status_code == 200, user


def test_no_path_from_the_browser(app_client: TestClient, pages: Pages) -> None:
    login(app_client, "qc")
    json = {"Accept": "application/json"}
    for url in (f"/pages/{pages.volume_id}/1/..%2F..%2Fdangan.toml.jpg",
                f"/pages/{pages.volume_id}/1/../../../dangan.toml",
                "/pages/..%2F..%2Fetc/1/preview.jpg",
                f"/pages/{pages.volume_id}/1/preview.jpg?v=../../x",
                f"/pages/{pages.volume_id}/1/original.jpg"):
        response = app_client.get(url, headers=json)
        assert response.status_code in (400, 404, 422), url
        assert response.headers.get("content-type", "").startswith("application/json"), url
    missing = app_client.get(f"/pages/{pages.volume_id}/99/preview.jpg", headers=json)
    assert missing.status_code == 404 and missing.json()["key"] == "web_images.no_page"
    other = app_client.get("/pages/999999/1/preview.jpg", headers=json)
    assert other.status_code == 404 and other.json()["key"] == "web_images.no_volume"


@pytest.mark.parametrize("hostile", ["truncated", "huge", "text"])
def test_hostile_page_file_gives_a_placeholder(app_client: TestClient, line: Line,
                                               hostile: str) -> None:
    good = page_jpeg(1)
    raw = {"truncated": good[: len(good) // 3],
           "huge": _png_header(60000, 60000),
           "text": b"not an image at all"}[hostile]
    add_image_accounts(line.ctx)
    pages = add_pages(line.ctx, line.volume_codes(line.batches[0])[0], count=1, raw={1: raw})
    login(app_client, "qc")
    response = app_client.get(f"/pages/{pages.volume_id}/1/preview.jpg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert "no-store" in response.headers["cache-control"]
    Image.open(io.BytesIO(response.content)).verify()


def _png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\x00" * 64)


def test_viewer_page_and_page_list(app_client: TestClient, pages: Pages) -> None:
    login(app_client, "indexer")
    listing = app_client.get(f"/pages/{pages.volume_id}.json").json()
    assert [p["no"] for p in listing["pages"]] == [1, 2, 3]
    assert listing["volume"] == pages.archive_code
    html = app_client.get(f"/viewer/{pages.volume_id}?page=2").text
    assert "/static/vendor/openseadragon/openseadragon.min.js" in html
    assert 'loading="lazy"' in html and f"/pages/{pages.volume_id}/3/thumb.jpg" in html
    assert 'data-start="2"' in html
    by_code = app_client.get("/viewer", params={"code": pages.archive_code})
    assert by_code.status_code == 303
    assert by_code.headers["location"] == f"/viewer/{pages.volume_id}"


def test_the_viewer_keeps_its_zoom_while_paging_in_a_browser(
        request: pytest.FixtureRequest) -> None:
    """Chromium: zoom in, page with the keyboard — the zoom and centre stay; nothing leaves."""
    from playwright.sync_api import sync_playwright

    browser_path = request.getfixturevalue("chromium")
    base, line, code = request.getfixturevalue("served_at_qc")
    with line.ctx.transaction() as session:
        volume_id = session.scalar(select(Volume.id).where(
            Volume.archive_code == line.volume_codes(code)[0]))
    foreign: list[str] = []

    def only_our_server(route: Any) -> None:
        url = route.request.url
        if url.startswith(base + "/"):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    state = ("() => { const v = document.getElementById('viewer').danganViewer;"
             " const c = v.osd.viewport.getCenter(); return [v.page(),"
             " Math.round(v.osd.viewport.getZoom() * 1000), Math.round(c.x * 1000),"
             " Math.round(c.y * 1000)]; }")
    opened = ("() => { const v = document.getElementById('viewer');"
              " return !!(v && v.danganViewer && v.danganViewer.osd.world.getItemCount() > 0"
              " && v.danganViewer.osd.world.getItemAt(0).getFullyLoaded()); }")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.route("**/*", only_our_server)
            page = context.new_page()
            sign_in(page, base, "qc")
            page.goto(f"{base}/viewer/{volume_id}")
            page.wait_for_function(opened, timeout=15_000)
            page.click("button[data-act=zoom-in]")
            page.click("button[data-act=zoom-in]")
            page.wait_for_timeout(1500)  # the zoom animation settles (no assertion on time)
            before = page.evaluate(state)
            assert before[0] == 1
            page.keyboard.press("PageDown")
            page.wait_for_function("() => document.getElementById('viewer')"
                                   ".danganViewer.page() === 2", timeout=15_000)
            page.wait_for_function(opened, timeout=15_000)
            after = page.evaluate(state)
            assert after[0] == 2 and after[1:] == before[1:]
            assert page.locator("a.thumb.current").get_attribute("data-page") == "2"
            context.close()
        finally:
            browser.close()
    assert foreign == []
