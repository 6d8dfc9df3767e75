"""Built-in Chinese archive wording: court judgments, bureau notices, cover fields.

The phrases are typed here (no downloads) and recombined by a seeded generator, so every
sample text is reproducible and looks like the documents a court or bureau files.
"""

from __future__ import annotations

import numpy as np

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红兰文斌玉成林海春梅德福生荣"
PLACES = (
    "东城区",
    "西湖区",
    "城关镇",
    "新华街道",
    "解放路",
    "人民路",
    "建设街",
    "红旗乡",
    "河西村",
)
ORGS = (
    "市中级人民法院",
    "区人民法院",
    "县人民法院",
    "市劳动局",
    "县工商行政管理局",
    "市民政局",
    "县公安局",
    "市房产管理局",
)
CITIES = ("南阳", "洛阳", "开封", "许昌", "信阳", "商丘", "周口", "安阳", "新乡", "焦作")

CATEGORIES = {"民": "民事", "刑": "刑事", "行": "行政", "执": "执行", "赔": "国家赔偿"}

JUDGMENT = (
    "原告{p1}与被告{p2}{cause}纠纷一案，本院受理后，依法组成合议庭，公开开庭进行了审理。",
    "原告{p1}诉称：{year}年{m}月{d}日，双方签订协议一份，约定被告于当年年底前付清全部款项，但被告至今未履行。",
    "被告{p2}辩称：原告所述与事实不符，双方之间的款项已于{year}年{m}月结清，请求驳回原告的诉讼请求。",
    "经审理查明：{year}年{m}月，原告与被告经人介绍相识，后因{cause}发生争议，经{place}调解委员会调解未果。",
    "上述事实，有原告提交的借条、收据及证人证言等证据证实，经庭审质证，本院予以确认。",
    "本院认为：合法的债权债务关系受法律保护。被告借款后未按约定归还，应承担相应的民事责任。",
    "依照《中华人民共和国民法通则》第一百零八条、《中华人民共和国民事诉讼法》第一百三十条之规定，判决如下：",
    "被告{p2}于本判决生效后十日内偿还原告{p1}借款人民币{amount}元。",
    "案件受理费{fee}元，由被告负担。如不服本判决，可在判决书送达之日起十五日内向本院递交上诉状。",
    "本调解协议经双方当事人签字后，即具有法律效力。双方当事人应自觉履行。",
    "送达回证：受送达人{p1}，送达地点{place}，送达方式为直接送达，送达人{p3}、{p2}。",
    "询问笔录：时间{year}年{m}月{d}日，地点本院第三审判庭，询问人{p3}，记录人{p2}。",
)
NOTICE = (
    "各乡镇人民政府、县直各有关单位：为进一步加强档案管理工作，现将有关事项通知如下。",
    "一、提高认识，加强领导。各单位要把档案工作列入议事日程，明确分管领导和专职人员。",
    "二、规范管理，确保安全。对本单位形成的文件材料，应当按照规定及时整理归档，不得擅自销毁。",
    "三、请各单位于{year}年{m}月{d}日前将本年度工作总结报送{org}办公室。",
    "特此通知。联系人：{p3}，电话：{phone}。",
    "根据上级有关文件精神，结合我{place}实际，经研究决定，开展{cause}专项检查工作。",
    "检查结果表明，大部分单位能够按照要求开展工作，但也存在个别单位资料不全、登记不及时等问题。",
)
CAUSES = ("借款", "离婚", "房屋买卖", "劳动争议", "损害赔偿", "宅基地", "继承", "合同", "抚养费")
TITLES_JUDGMENT = (
    "民事判决书",
    "民事调解书",
    "刑事判决书",
    "行政裁定书",
    "送达回证",
    "询问笔录",
    "庭审笔录",
    "起诉状",
)
TITLES_NOTICE = (
    "关于加强档案管理工作的通知",
    "关于开展专项检查工作的通知",
    "关于报送年度工作总结的通知",
)
LATIN = (
    "Case No. {year}-{n}",
    "Tel: {phone}",
    "ID 4101{n}19{n2}",
    "Receipt No. {n}{n2}",
    "GB/T 9704-2012",
)
TABLE_HEADERS = (
    ("序号", "姓名", "性别", "出生日期", "住址", "备注"),
    ("顺序号", "文号", "责任者", "题名", "日期", "页号"),
    ("序号", "收费项目", "金额（元）", "日期", "经办人"),
)
SEAL_SUFFIX = ("人民法院", "劳动局", "民政局", "工商行政管理局", "公安局")
RETENTION = ("永久", "长期", "短期", "30年", "10年")
SECURITY = ("公开", "内部", "秘密")


def person(rng: np.random.Generator) -> str:
    name = SURNAMES[rng.integers(len(SURNAMES))]
    for _ in range(int(rng.integers(1, 3))):
        name += GIVEN[rng.integers(len(GIVEN))]
    return name


def _pick(rng: np.random.Generator, items: tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def fill(template: str, rng: np.random.Generator, year: int) -> str:
    return template.format(
        p1=person(rng),
        p2=person(rng),
        p3=person(rng),
        cause=_pick(rng, CAUSES),
        year=year,
        m=int(rng.integers(1, 13)),
        d=int(rng.integers(1, 29)),
        place=_pick(rng, PLACES),
        amount=int(rng.integers(5, 900)) * 100,
        fee=int(rng.integers(5, 200)) * 10,
        org=_pick(rng, CITIES) + _pick(rng, ORGS),
        phone=f"0377-{int(rng.integers(2000000, 9999999))}",
        n=int(rng.integers(10, 99)),
        n2=int(rng.integers(10, 99)),
    )


def paragraphs(rng: np.random.Generator, year: int, count: int, notice: bool = False) -> list[str]:
    """``count`` paragraphs of 1-4 sentences, sometimes with a Latin/digit fragment."""
    pool = NOTICE if notice else JUDGMENT
    out = []
    for _ in range(count):
        sentences = [fill(_pick(rng, pool), rng, year) for _ in range(int(rng.integers(1, 5)))]
        if rng.random() < 0.2:
            sentences.insert(
                int(rng.integers(len(sentences) + 1)), fill(_pick(rng, LATIN), rng, year) + "。"
            )
        out.append("".join(sentences))
    return out


def doc_title(rng: np.random.Generator, notice: bool) -> str:
    return _pick(rng, TITLES_NOTICE if notice else TITLES_JUDGMENT)


def org_name(rng: np.random.Generator) -> str:
    return _pick(rng, CITIES) + "市" * int(rng.random() < 0.5) + _pick(rng, ORGS)


def doc_number(rng: np.random.Generator, year: int, category: str = "民") -> str:
    return f"（{year}）{_pick(rng, CITIES)[0]}{category}初字第{int(rng.integers(1, 400))}号"


def seal_text(rng: np.random.Generator) -> str:
    return _pick(rng, CITIES) + "市" + _pick(rng, SEAL_SUFFIX)


def date_text(rng: np.random.Generator, year: int) -> str:
    return f"{year}年{int(rng.integers(1, 13))}月{int(rng.integers(1, 29))}日"


def table_rows(
    rng: np.random.Generator, header: tuple[str, ...], year: int, n: int
) -> list[list[str]]:
    """Plausible cell values chosen by the column's header."""
    rows = []
    for i in range(n):
        row = []
        for col in header:
            if col in ("序号", "顺序号"):
                row.append(str(i + 1))
            elif col in ("姓名", "经办人", "责任者"):
                row.append(person(rng))
            elif col == "性别":
                row.append("男" if rng.random() < 0.5 else "女")
            elif "日期" in col:
                row.append(
                    f"{year - int(rng.integers(0, 40))}.{int(rng.integers(1, 13))}.{int(rng.integers(1, 29))}"
                )
            elif col == "住址":
                row.append(_pick(rng, CITIES) + _pick(rng, PLACES))
            elif "金额" in col:
                row.append(f"{int(rng.integers(10, 5000))}.00")
            elif col == "文号":
                row.append(doc_number(rng, year)[:9])
            elif col == "题名":
                row.append(_pick(rng, TITLES_JUDGMENT))
            elif col == "页号":
                row.append(f"{int(rng.integers(1, 40))}")
            elif col == "收费项目":
                row.append(_pick(rng, ("受理费", "保全费", "执行费", "鉴定费")))
            else:
                row.append("" if rng.random() < 0.6 else "无")
        rows.append(row)
    return rows


def cover_fields(
    rng: np.random.Generator, archive_code: str, year: int, pages: int
) -> list[tuple[str, str]]:
    """The 案卷封面 fields in the order the printed cover lists them."""
    category = archive_code.split("-")[1] if archive_code.count("-") >= 3 else "民"
    cause = _pick(rng, CAUSES)
    return [
        ("全宗名称", _pick(rng, CITIES) + "市" + _pick(rng, ORGS[:3])),
        ("类目名称", CATEGORIES.get(category, "民事") + "诉讼"),
        ("案卷题名", f"{person(rng)}诉{person(rng)}{cause}纠纷案"),
        ("起止日期", f"{year}.{int(rng.integers(1, 7))}—{year}.{int(rng.integers(7, 13))}"),
        ("保管期限", _pick(rng, RETENTION)),
        ("件数", str(int(rng.integers(3, 20)))),
        ("页数", str(pages)),
        ("档号", archive_code),
        ("密级", _pick(rng, SECURITY)),
    ]
