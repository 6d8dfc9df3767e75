"""One borrow batch from borrowing to return through a real browser (Playwright on Debian's
Chromium), as different people: the borrow clerk with the archive-room person's second
sign-in, the sorter's records, the scan operator, the archive-room lead's binding method,
the binder, the return counted against the register. The image stages (retouch, index,
upload) and QC are done by the services between browser steps. No page may request an
address other than the server's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dangan.db.models import Page, Volume
from dangan.domain import workflow as wf
from dangan.services import workers
from dangan.services.project import ProjectContext, init_project
from dangan.web.accounts import add_user
from web.browser import ARGS, only_this_server, see, serve, sign_in
from web.support import PASSWORD
from web.test_browser import chromium_path  # noqa: F401  (fixture)
from workflow.helpers import do_stage, pass_qc

PEOPLE = {"clerk": ("王借", [wf.BORROW_CLERK]), "archivist": ("档案室刘", [wf.ARCHIVE_STAFF]),
          "sorter": ("李整", [wf.SORTER]), "scanner": ("张扫", [wf.SCAN_OPERATOR]),
          "retoucher": ("赵修", [wf.RETOUCHER]), "indexer": ("钱标", [wf.INDEXER, wf.UPLOADER]),
          "qc": ("孙检", [wf.QC_INSPECTOR]), "binder": ("吴装", [wf.BINDER])}
CODES = ["2001-民-0001-0001", "2001-民-0001-0002"]


def _pages_ingested(ctx: ProjectContext, codes: list[str], pages: int) -> None:
    """The page records ingest leaves (this test signs stages; it never looks at images)."""
    with ctx.transaction() as session:
        for volume in session.scalars(select(Volume).where(Volume.archive_code.in_(codes))):
            session.add_all([Page(volume_id=volume.id, page_no=n, dpi=200, format="jpg")
                             for n in range(1, pages + 1)])
            volume.page_count = pages


@pytest.fixture
def served_line(tmp_path: Path) -> Iterator[tuple[str, ProjectContext]]:
    ctx = init_project(tmp_path / "proj", "court", name="整线浏览器测试")
    with ctx.transaction() as session:
        for i, code in enumerate([*CODES, "2001-民-0001-0003"], start=1):
            session.add(Volume(project_id=ctx.project_id, archive_code=code, title=f"判决书{i}",
                               location=f"3号柜-{i}层", expected_pages=40, list_row=i))
    for login, (name, roles) in PEOPLE.items():
        workers.add_worker(ctx, name, roles)
        add_user(ctx, login, PASSWORD, worker=name, roles=roles)
    with serve(ctx.home) as base:
        yield base, ctx


def _work_batch(ctx: ProjectContext) -> str:
    from sqlalchemy import select

    from dangan.db.models import WorkBatch

    with ctx.transaction() as session:
        code = session.scalar(select(WorkBatch.code))
        assert code is not None
        return code


def test_one_borrow_batch_borrowed_to_returned(
        chromium_path: str, served_line: tuple[str, ProjectContext]) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    base, ctx = served_line
    foreign: list[str] = []

    only_our_server = only_this_server(base, foreign)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)

        def as_(login: str) -> Any:
            context = browser.new_context()
            context.route("**/*", only_our_server)
            page = context.new_page()
            sign_in(page, base, login)
            return page

        def cosign(page: Any) -> None:
            page.fill("input[name=archive_login]", "archivist")
            page.fill("input[name=archive_password]", PASSWORD)

        try:
            # 借卷: the clerk picks two volumes, the archive-room person confirms on this screen
            page = as_("clerk")
            page.goto(f"{base}/borrow")
            for code in CODES:
                page.check(f"input[name=codes][value='{code}']")
            page.get_by_role("button", name="生成借卷批次").click()
            see(page, "借卷批次 1 已生成（2 卷）")
            cosign(page)
            page.get_by_role("button", name="确认借出").click()
            see(page, "档案室确认人：档案室刘")
            page.fill("input[name=problem]", "封皮破损")
            page.get_by_role("button", name="登记问题").click()
            see(page, "封皮破损")
            page.fill("input[name=pages_per_batch]", "1000")
            page.get_by_role("button", name="拆分小批次").click()
            see(page, "已拆分为 1 个小批次")
            batch = _work_batch(ctx)
            page.context.close()

            # 整理: the sorter claims, records both volumes, signs
            page = as_("sorter")
            page.locator(f"tr[data-batch='{batch}']").get_by_role("button", name="领取").click()
            see(page, f"已领取小批次 {batch}")
            for i, code in enumerate(CODES):
                page.goto(f"{base}/records/sort/{batch}")
                form = page.locator("form.record").nth(i)
                form.locator("input[name=pages_numbered]").fill("40")
                form.locator("input[name=unbind_notes]").fill("拆除订书钉")
                form.get_by_role("button", name="保存整理记录").click()
                see(page, f"已记录案卷 {code}")
            page.goto(f"{base}/batches/{batch}")
            page.get_by_role("button", name="签字").click()
            see(page, f"已签字：小批次 {batch}")
            page.context.close()

            # 扫描: the scan operator claims and signs in the browser; before the pages are
            # ingested the sign-off is refused, after it (the page records ingest leaves,
            # 40 per volume as the sorter numbered them) it goes through
            page = as_("scanner")
            page.locator(f"tr[data-batch='{batch}']").get_by_role("button", name="领取").click()
            see(page, f"已领取小批次 {batch}")
            page.goto(f"{base}/batches/{batch}")
            page.get_by_role("button", name="签字").click()
            see(page, "还没有入库的页面")
            _pages_ingested(ctx, CODES, 40)
            page.goto(f"{base}/batches/{batch}")
            page.get_by_role("button", name="签字").click()
            see(page, f"已签字：小批次 {batch}")
            page.context.close()

            # retouch, index, upload and QC by the services
            for stage, person in ((wf.RETOUCH, "赵修"), (wf.INDEX, "钱标"), (wf.UPLOAD, "钱标")):
                do_stage(ctx, batch, stage, person)
            assert pass_qc(ctx, batch, "孙检").passed

            # 装订: the archive-room lead agrees the method, the binder does the trial first
            page = as_("archivist")
            page.goto(f"{base}/records/binding")
            page.fill("input[name=trial_codes]", CODES[0])
            page.get_by_role("button", name="签字确认装订方式").click()
            see(page, "装订方式已确认")
            page.context.close()
            page = as_("binder")
            page.locator(f"tr[data-batch='{batch}']").get_by_role("button", name="领取").click()
            see(page, f"已领取小批次 {batch}")
            page.goto(f"{base}/records/binding")
            page.get_by_role("button", name="先装订试装订案卷并签字").click()
            see(page, "1 卷")
            page.context.close()
            page = as_("archivist")
            page.goto(f"{base}/records/binding")
            page.get_by_role("button", name="试装订验收通过").click()
            see(page, "试装订已验收")
            page.context.close()
            page = as_("binder")
            page.goto(f"{base}/records/binding")
            page.get_by_role("button", name="装订完成签字").click()
            see(page, f"小批次 {batch} 已装订签字")
            page.context.close()

            # 还卷: counted against the register, in borrow order, both sides
            page = as_("clerk")
            page.goto(f"{base}/borrow/1")
            page.fill("input[name=counted]", "2")
            page.fill("textarea[name=handed]", "\n".join(CODES))
            page.fill("input[name=shelving_rule]", "按档号顺序上架")
            cosign(page)
            page.get_by_role("button", name="确认还卷").click()
            see(page, "借卷批次 1 已归还")
            assert page.locator("[data-status=returned]").count() == 1
            page.context.close()
        finally:
            browser.close()
    assert foreign == []
