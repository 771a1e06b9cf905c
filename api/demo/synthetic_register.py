"""A realistic, generated register of awarded degrees for the demo and the benchmarks.

Institutions are named from Chinese cities and the usual kinds of university; each kind
grants degrees in the disciplines one would expect (a medical university in 10xx, a
university of technology mostly in 08xx), using real codes of the 2022 catalogue, with
both academic and professional degrees, doctoral degrees only where the catalogue allows
them, and award dates in the given academic year (September–August, mostly June and
December). Everything is derived from the seed, so the same seed gives the same register.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from sampler.disciplines import catalogue_2022
from sampler.frame import CANONICAL_COLUMNS

CITIES = (
    "北京", "上海", "天津", "重庆", "南京", "杭州", "武汉", "成都", "西安", "广州",
    "深圳", "长沙", "哈尔滨", "长春", "沈阳", "大连", "济南", "青岛", "郑州", "合肥",
    "南昌", "福州", "厦门", "昆明", "贵阳", "南宁", "兰州", "西宁", "银川", "太原",
    "石家庄", "海口", "苏州", "宁波", "无锡", "徐州", "扬州", "温州", "烟台", "洛阳",
    "桂林", "湘潭", "赣州", "泉州", "绍兴", "常州", "镇江", "南通", "保定", "秦皇岛",
)  # fmt: skip

KINDS: dict[str, tuple[str, ...]] = {
    "大学": ("01", "02", "03", "04", "05", "06", "07", "08", "10", "12", "13"),
    "理工大学": ("07", "08", "12"),
    "工业大学": ("08", "07", "12"),
    "科技大学": ("08", "07", "09", "12"),
    "师范大学": ("04", "05", "06", "07", "01", "03"),
    "医科大学": ("10",),
    "中医药大学": ("10",),
    "农业大学": ("09", "08", "07", "12"),
    "财经大学": ("02", "12", "03"),
    "交通大学": ("08", "12", "07"),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁晨阳文博思雨欣怡悦涵梓轩子睿嘉琪"  # noqa: E501

TOPICS = (
    "基于深度学习的", "面向复杂网络的", "多尺度", "新型", "数据驱动的", "考虑不确定性的",
    "区域协调发展视角下", "乡村振兴背景下", "碳中和目标下", "数字化转型中的", "高维",
    "非线性", "分布式", "智能化", "可持续",
)  # fmt: skip
OBJECTS = (
    "图像识别方法", "结构损伤评估", "供应链风险", "城市更新机制", "土壤微生物群落",
    "肿瘤免疫治疗", "课堂教学评价", "古代文献整理", "电力系统调度", "复合材料性能",
    "农户生产行为", "地方政府治理", "语言习得过程", "金融市场波动", "蛋白质结构预测",
    "交通流预测", "水资源配置", "慢性病管理", "文化遗产保护", "储能电池管理",
)  # fmt: skip
ENDINGS = ("研究", "的研究", "分析与优化", "机制研究", "方法研究", "实证研究", "设计与实现")


@dataclass(frozen=True)
class RegisterSpec:
    """How big a register to generate."""

    seed: int = 2024
    degrees: int = 40_000
    institutions: int = 48
    academic_year_end: int = 2024
    # Seed of the institutions' names alone (default: `seed`): another year's register of
    # the same institutions keeps it and changes `seed`.
    institution_seed: int | None = None


def institution_names(count: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """(name, kind) pairs, unique names, kinds spread like a real province mix."""
    kinds = list(KINDS)
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(names) < count:
        city = CITIES[int(rng.integers(len(CITIES)))]
        kind = kinds[int(rng.integers(len(kinds)))]
        name = f"{city}{kind}"
        if name in seen:
            continue
        seen.add(name)
        names.append((name, kind))
    return names


def _award_dates(rng: np.random.Generator, n: int, year_end: int) -> np.ndarray:
    start = date(year_end - 1, 9, 1)
    span = (date(year_end, 8, 31) - start).days + 1
    days = rng.integers(0, span, n)
    pick = rng.random(n)
    june = (date(year_end, 6, 1) - start).days + rng.integers(0, 30, n)
    december = (date(year_end - 1, 12, 1) - start).days + rng.integers(0, 31, n)
    days = np.where(pick < 0.7, june, np.where(pick < 0.85, december, days))
    labels = np.array([(start + timedelta(days=int(d))).isoformat() for d in range(span)])
    return labels[days]


def generate_register(spec: RegisterSpec) -> tuple[list[str], list[list[str]]]:
    """The register as (header, rows) with canonical English headers and values."""
    rng = np.random.default_rng(spec.seed)
    catalogue = catalogue_2022()
    by_category: dict[str, list[str]] = {}
    for code in sorted(catalogue):
        if code[:2] in ("11",):
            continue
        by_category.setdefault(code[:2], []).append(code)
    names_rng = (
        rng if spec.institution_seed is None else np.random.default_rng(spec.institution_seed)
    )
    institutions = institution_names(spec.institutions, names_rng)
    weights = rng.lognormal(0.0, 0.8, len(institutions))
    counts = rng.multinomial(spec.degrees, weights / weights.sum())
    surnames = np.array(list(SURNAMES))
    given = np.array(list(GIVEN))
    rows: list[list[str]] = []
    for index, ((name, kind), n) in enumerate(zip(institutions, counts, strict=True)):
        if n == 0:
            continue
        pool = [c for cat in KINDS[kind] for c in by_category.get(cat, [])]
        chosen = rng.choice(pool, size=min(len(pool), int(rng.integers(8, 40))), replace=False)
        code_weights = rng.lognormal(0.0, 1.0, len(chosen))
        codes = rng.choice(chosen, size=n, p=code_weights / code_weights.sum())
        grants_doctorate = rng.random() < 0.6
        doctoral_share = np.array(
            [
                0.0
                if not grants_doctorate or catalogue[c].master_only
                else (0.14 if catalogue[c].degree_type == "academic" else 0.03)
                for c in codes
            ]
        )
        doctoral = rng.random(n) < doctoral_share
        dates = _award_dates(rng, n, spec.academic_year_end)
        family = surnames[rng.integers(0, len(surnames), n)]
        first = given[rng.integers(0, len(given), n)]
        second = np.where(rng.random(n) < 0.6, given[rng.integers(0, len(given), n)], "")
        n_supervisors = max(3, n // 8)
        supervisor_names = [
            f"{surnames[rng.integers(len(surnames))]}{given[rng.integers(len(given))]}"
            f"{given[rng.integers(len(given))]}"
            for _ in range(n_supervisors)
        ]
        supervisor_pick = rng.integers(0, n_supervisors, n)
        topic = rng.integers(0, len(TOPICS), n)
        obj = rng.integers(0, len(OBJECTS), n)
        ending = rng.integers(0, len(ENDINGS), n)
        inst_code = 10000 + index * 7 + 3
        for k in range(n):
            code = str(codes[k])
            level = "doctoral" if doctoral[k] else "master"
            rows.append(
                [
                    f"{inst_code}{spec.academic_year_end}{'1' if doctoral[k] else '2'}{k:06d}",
                    name,
                    level,
                    catalogue[code].degree_type,
                    code,
                    str(dates[k]),
                    f"{TOPICS[topic[k]]}{OBJECTS[obj[k]]}{ENDINGS[ending[k]]}",
                    f"{family[k]}{first[k]}{second[k]}",
                    supervisor_names[supervisor_pick[k]],
                ]
            )
    return list(CANONICAL_COLUMNS), rows


def register_csv_bytes(spec: RegisterSpec, extra_rows: Sequence[Sequence[str]] = ()) -> bytes:
    """The register as CSV; `extra_rows` (canonical columns) are appended, e.g. theses of an
    earlier year that next year's plan names as certainty units."""
    header, rows = generate_register(spec)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    writer.writerows(extra_rows)
    return out.getvalue().encode("utf-8")


def write_register(
    path: Path, spec: RegisterSpec, extra_rows: Sequence[Sequence[str]] = ()
) -> Path:
    """Writes the register as UTF-8 CSV (via a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_bytes(register_csv_bytes(spec, extra_rows))
    temp.replace(path)
    return path
