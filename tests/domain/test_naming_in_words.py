"""A rule a name breaks is said in words an archive clerk reads, with an example built from
the rule — never the configuration's pattern — in the CLI and the web alike; the raw pattern
stays among the error's parameters (--json, the API)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.domain.naming import (
    COURT_ARCHIVE_CODE,
    WENSHU_ARCHIVE_CODE,
    Rule,
    court_rules,
    describe_rule,
)
from dangan.errors import NamingError, SpreadsheetError
from dangan.i18n import set_language
from dangan.services.project import ProjectContext

COURT_WORDS = "年度4位-类别-目录号4位-案卷号4位，如 1997-民-0014-0025"
COURT_WORDS_EN = ("year (4 digits)-category-catalogue no. (4 digits)-case no. (4 digits), "
                  "e.g. 1997-民-0014-0025")


# a folder rule's macros with the parts they are written in: 小批次号 is three numbers
FOLDER_WORDS = ("借卷批次号-小批次号（借卷批次号-小批次总数-小批次序号）-档号（年度4位-类别-目录号4位-案卷号4位），"
                "如 1-1-6-2-1997-民-0014-0025")
FOLDER_WORDS_EN = ("borrow batch no.-work batch no. (borrow batch no.-count of work batches-"
                   "work batch's own no.)-archive code (year (4 digits)-category-catalogue no. "
                   "(4 digits)-case no. (4 digits)), e.g. 1-1-6-2-1997-民-0014-0025")


@pytest.fixture(autouse=True)
def _language() -> object:
    yield
    set_language(None)


def test_a_rule_in_words_with_an_example() -> None:
    set_language("zh")
    assert describe_rule(Rule(COURT_ARCHIVE_CODE)) == COURT_WORDS
    assert describe_rule(Rule(WENSHU_ARCHIVE_CODE)) == \
        "全宗号-门类代码·年度4位-保管期限-件号4位，如 J001-WS·1997-Y-0001"
    assert describe_rule(Rule("{category:民|刑}-{box:d}")) == "类别（民/刑 之一）-box，如 民-1"
    rules = court_rules()
    assert describe_rule(rules.folder) == FOLDER_WORDS
    assert describe_rule(rules.page_file, rules.extensions) == "页号4位.扩展名，如 0001.jpg"
    set_language("en")
    assert describe_rule(Rule(COURT_ARCHIVE_CODE)) == COURT_WORDS_EN


def test_every_example_follows_its_rule() -> None:
    for pattern in (COURT_ARCHIVE_CODE, WENSHU_ARCHIVE_CODE, "{year:2d}{a}-{b:04d}", "{x}"):
        words = describe_rule(Rule(pattern))
        example = words.rsplit("，如 ", 1)[1]
        assert Rule(pattern).is_valid(example), (pattern, words)


def test_a_mismatch_says_the_rule_in_words_and_keeps_the_pattern() -> None:
    set_language("zh")
    with pytest.raises(NamingError) as err:
        Rule(COURT_ARCHIVE_CODE).parse("1997-民-14-0025")
    assert err.value.key == "naming.mismatch"
    assert err.value.message == (f"“1997-民-14-0025” 不符合规则“{COURT_WORDS}”："
                                 "段 目录号（catalogue_no） 应为 4 位数字，实际为 “14”")
    assert "{" not in err.value.message
    assert err.value.to_dict()["params"]["pattern"] == COURT_ARCHIVE_CODE
    with pytest.raises(NamingError) as page:
        court_rules().parse_page_file("0001.xyz")
    assert page.value.key == "naming.mismatch" and "页号4位.扩展名，如 0001.jpg" in page.value.message
    assert "{page_no" not in page.value.message


def test_the_cli_says_the_rule_in_words(project: ProjectContext, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["档号", "题名", "页数"])
    ws.append(["1997-民-14-0025", "借款纠纷", 40])
    wb.save(tmp_path / "v.xlsx")
    out = CliRunner().invoke(app, ["volumes", "import", str(tmp_path / "v.xlsx"),
                                   "-p", str(project.home)])
    assert isinstance(out.exception, SpreadsheetError), out.output
    (line,) = out.exception.details
    assert f"不符合规则“{COURT_WORDS}”" in line and "{year" not in line


def test_a_name_that_is_no_number_is_said_so_not_empty() -> None:
    """A camera's or a lock file's name where a page number belongs is no number, and is
    named as found — never "段 页号 为空"."""
    from dangan.domain.naming import Rule, _segment_words
    from dangan.i18n import t

    rule = Rule("{page_no:04d}")
    for name in ("IMG_20231105_0932", "~$0008"):
        said = rule.diagnose(name)
        assert said == t("naming.segment_not_number", segment=_segment_words("page_no"),
                          found=name)
    assert rule.diagnose("") == t("naming.segment_empty", segment=_segment_words("page_no"))


def test_a_folder_name_refused_says_what_each_part_of_the_rule_is() -> None:
    """``1-01-2019-民-0123-0001`` (the work batch written as one number) was refused with
    "借卷批次号-小批次号-档号，如 1-1-6-2-1997-民-0014-0025": nothing said the work batch is three
    numbers (1-6-2: borrow batch, count of work batches, its own no.)."""
    from dangan.i18n import t
    from dangan.intake.folder_segments import segment_count_detail

    rules = court_rules()
    for lang, words in (("zh", FOLDER_WORDS), ("en", FOLDER_WORDS_EN)):
        set_language(lang)
        assert describe_rule(rules.folder) == words
        assert segment_count_detail(rules, "1-01-2019-民-0123-0001") == t(
            "intake.folder_segments.count", found=6, need=8, rule=words, where="")


def test_a_rule_keeps_its_words_in_another_process() -> None:
    import pickle

    set_language("zh")
    folder = pickle.loads(pickle.dumps(court_rules())).folder
    assert describe_rule(folder) == FOLDER_WORDS
