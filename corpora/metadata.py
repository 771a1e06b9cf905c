"""Thesis metadata from the cover: title, author, supervisor, institution, degree, discipline.

Covers label their fields (作者姓名：…, 指导教师：…, Supervisor: …), often with spaces inside the
label (指 导 教 师). Unlabelled covers still name the institution (…大学, …研究院) and the degree.
Metadata supplied by the caller always wins over what is read here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from corpora.simplify import to_simplified

LABELS: dict[str, tuple[str, ...]] = {
    "title": ("论文题目", "中文题目", "论文名称", "题目", "title", "thesis title"),
    "author": (
        "作者姓名",
        "研究生姓名",
        "学生姓名",
        "申请人姓名",
        "研究生",
        "申请人",
        "作者",
        "姓名",
        "author",
        "candidate",
        "student",
    ),
    "supervisor": (
        "指导教授",
        "指导教师姓名",
        "导师姓名",
        "指导教师",
        "指导老师",
        "导师",
        "supervisor",
        "advisor",
        "adviser",
    ),
    "institution": (
        "学位授予单位",
        "培养单位",
        "授予单位",
        "学校名称",
        "所在学校",
        "institution",
        "university",
    ),
    "degree": ("申请学位级别", "申请学位类别", "学位类别", "学位级别", "申请学位", "degree"),
    "discipline": (
        "学科专业",
        "专业名称",
        "一级学科",
        "学科名称",
        "学科、专业",
        "学科门类",
        "专业",
        "major",
        "discipline",
    ),
}
TITLE_SUFFIX = re.compile(
    r"\s*(?:教授|副教授|研究员|副研究员|讲师|博士|高级工程师|院士|\(?Prof\.?\)?|"
    r"Professor|Dr\.?)\s*$",
    re.I,
)
INSTITUTION = re.compile(r"[\u4e00-\u9fff]{2,20}?(?:大学|学院|研究院|研究所|科学院|党校)")
EN_INSTITUTION = re.compile(r"(?:[A-Z][a-z]+\s+){0,5}University(?:\s+of(?:\s+[A-Z][a-z]+){1,4})?")
DEGREE = re.compile(r"(博士|硕士|学士|doctor|master|bachelor)", re.I)
NOT_TITLE = re.compile(
    r"(^.{0,16}(?:学位论文|毕业论文|毕业设计|硕士论文|博士论文|学士论文)$|^.{0,20}(?:大学|学院|研究院|研究所|科学院)$|"
    r"^\d{4}|年.{0,3}月|分类号|密级|学号|UDC|编号|[:：]|^(?:a\s+)?(?:dissertation|thesis)\b|"
    r"submitted|university$)",
    re.I,
)


def _label_pattern(label: str) -> str:
    if re.fullmatch(r"[a-z ]+", label):
        return label.replace(" ", r"\s+")
    return r"\s*".join(re.escape(c) for c in label)


LABEL_RES = {
    field: re.compile(
        r"^\s*(?:{})\s*[:：]?\s*(?P<value>\S.*?)\s*$".format(
            "|".join(_label_pattern(lab) for lab in labels)
        ),
        re.I,
    )
    for field, labels in LABELS.items()
}


def _clean_value(field: str, value: str) -> str:
    value = re.split(r"\s{2,}|\t", value.strip())[0]
    if field in ("author", "supervisor"):
        value = TITLE_SUFFIX.sub("", value).strip()
        value = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", value)
        value = re.split(r"\s+(?=[\u4e00-\u9fff])", value)[0]
        value = TITLE_SUFFIX.sub("", value).strip()
    if field == "degree":
        match = DEGREE.search(value)
        if match:
            return match.group(1).lower() if match.group(1).isascii() else match.group(1)
    return value.strip(" ：:")


def read_cover_metadata(cover_text: str, info: Mapping[str, str] | None = None) -> dict[str, str]:
    """Metadata fields found on the cover text (first pages); PDF info fills a missing title.

    Labels and keywords are matched on simplified characters; values keep the original ones.
    """
    found: dict[str, str] = {}
    lines = [line.strip() for line in cover_text.splitlines() if line.strip()][:60]
    simple_lines = [to_simplified(line) if len(line) <= 200 else line for line in lines]

    def original(line: str, simple: str, span: tuple[int, int]) -> str:
        return line[span[0] : span[1]] if len(simple) == len(line) else simple[span[0] : span[1]]

    for line, simple in zip(lines, simple_lines, strict=True):
        for field, pattern in LABEL_RES.items():
            if field in found:
                continue
            match = pattern.match(simple)
            if match and match.group("value"):
                value = _clean_value(field, original(line, simple, match.span("value")))
                if value and len(value) <= 120:
                    found[field] = value
                    break
    if "institution" not in found:
        for line, simple in zip(lines, simple_lines, strict=True):
            match = INSTITUTION.search(simple) or EN_INSTITUTION.search(simple)
            if match:
                found["institution"] = original(line, simple, match.span()).strip()
                break
    if "degree" not in found:
        for simple in simple_lines[:12]:
            if any(p.match(simple) for p in LABEL_RES.values()):
                continue  # 指导教师：某某 博士 is the supervisor's title, not the degree
            match = DEGREE.search(simple)
            if match:
                degree = match.group(1)
                found["degree"] = degree.lower() if degree.isascii() else degree
                break
    if "title" not in found:
        for line, simple in zip(lines[:15], simple_lines[:15], strict=True):
            if (
                6 <= len(line) <= 120
                and "。" not in simple
                and not NOT_TITLE.search(simple)
                and not any(p.match(simple) for p in LABEL_RES.values())
            ):
                found["title"] = line
                break
    if "title" not in found and info:
        title = info.get("title", "").strip()
        if title and not re.search(r"microsoft|\.docx?$|\.tex$|untitled|^无标题", title, re.I):
            found["title"] = title
    return found
