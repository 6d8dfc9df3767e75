"""Words an archive page is made of: running text, titles, form labels, names, dates, sums.

The phrases are written for this generator (office letters, minutes, certificates, court
and personnel records of the 1950s–2000s); sentences are assembled from them at random so
no two pages read alike, while the character set stays that of real archive pages.
"""

from __future__ import annotations

import numpy as np

PHRASES = (
    "根据上级有关文件精神", "经研究决定", "现将有关情况报告如下", "请予审批", "特此证明",
    "关于加强档案管理工作的通知", "各科室各部门", "本单位职工", "自即日起执行", "望遵照办理",
    "会议由主任主持", "与会同志认真讨论了", "一致同意", "会议认为", "下一步工作安排",
    "原告诉称", "被告辩称", "经审理查明", "本院认为", "判决如下", "如不服本判决",
    "可在判决书送达之日起十五日内", "向本院递交上诉状", "案件受理费由被告负担",
    "该同志工作积极", "服从组织分配", "政治历史清楚", "同意转为正式职工", "工资定为",
    "基本建设计划执行情况", "年度财务决算", "固定资产", "专项资金", "已按规定列支",
    "经办人签字", "负责人审核", "附件一份", "抄送", "存档备查", "此复",
    "生产任务超额完成", "安全生产无事故", "职工代表大会", "民主评议", "群众反映良好",
    "土地使用权", "房屋产权", "界址清楚", "四至明确", "双方协商一致", "签订本协议",
    "户口迁移证明", "准予迁入", "婚姻登记", "出生日期", "家庭成员及主要社会关系",
    "学习成绩优良", "毕业鉴定", "分配至", "报到", "工作调动", "介绍信", "兹介绍",
    "前往你处联系", "请接洽为荷", "此致敬礼", "有效期", "盖章后生效", "逾期作废",
)
TITLES = (
    "关于调整职工工资的通知", "会议纪要", "情况报告", "证明", "介绍信", "民事判决书",
    "调解协议书", "职工登记表", "干部履历表", "年度工作总结", "请示", "批复", "通知",
    "土地登记审批表", "收据", "借条", "协议书", "毕业生登记表", "申请书", "调查笔录",
)
FORM_LABELS = (
    "姓名", "性别", "民族", "出生年月", "籍贯", "文化程度", "政治面貌", "参加工作时间",
    "工作单位", "职务", "家庭住址", "身份证号码", "婚姻状况", "健康状况", "联系电话",
    "申请事由", "审批意见", "备注", "经办人", "日期", "金额", "数量", "单价", "编号",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "建国华明志强秀英玉兰文军平红春梅立新德海金凤丽云霞小伟东卫民永庆国庆桂芳淑珍"
UNITS = (
    "县人民法院", "市档案局", "第二机械厂", "红星公社", "县财政局", "市第一中学",
    "人民医院", "供销合作社", "县农业局", "粮食管理所", "街道办事处", "县劳动局",
)
CN_DIGITS = "〇一二三四五六七八九"
PUNCT = "，。；、"


def cn_year(year: int) -> str:
    return "".join(CN_DIGITS[int(d)] for d in str(year))


def cn_number(n: int) -> str:
    """1..31 in Chinese (十五, 二十三)."""
    tens, ones = divmod(n, 10)
    out = ("" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十"))
    return out + (CN_DIGITS[ones] if ones or not out else "")


def date(rng: np.random.Generator) -> str:
    y, m, d = int(rng.integers(1952, 2005)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    if rng.random() < 0.5:
        return f"{cn_year(y)}年{cn_number(m)}月{cn_number(d)}日"
    return f"{y}年{m}月{d}日"


def name(rng: np.random.Generator) -> str:
    n = 1 + int(rng.integers(1, 3))
    return SURNAMES[int(rng.integers(len(SURNAMES)))] + "".join(
        GIVEN[int(rng.integers(len(GIVEN)))] for _ in range(n - 1))


def unit(rng: np.random.Generator) -> str:
    return str(UNITS[int(rng.integers(len(UNITS)))])


def sentence(rng: np.random.Generator) -> str:
    k = int(rng.integers(2, 5))
    parts = [str(PHRASES[int(i)]) for i in rng.integers(len(PHRASES), size=k)]
    out = ""
    for i, p in enumerate(parts):
        out += p + ("。" if i == k - 1 else PUNCT[int(rng.integers(3))])
    return out


def paragraph(rng: np.random.Generator, chars: int) -> str:
    text = ""
    while len(text) < chars:
        text += sentence(rng)
    return text


def amount(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(1, 99999))}.{int(rng.integers(0, 100)):02d}"


def pick(rng: np.random.Generator, items: tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]
