"""The 2022 discipline catalogue (学科专业目录) and the shape rules for discipline codes.

A code is well-formed when it has four digits. Its third digit tells the degree type:
5 or more is a professional category (专业学位类别), below 5 an academic first-level
discipline (一级学科). Codes of older catalogues are well-formed but unknown to the 2022
catalogue; frames still carry them for a few years, so they are accepted with a warning.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

CATALOGUE_RESOURCE = "discipline_catalogue_2022.csv"

CATEGORY_NAMES: dict[str, str] = {
    "01": "哲学",
    "02": "经济学",
    "03": "法学",
    "04": "教育学",
    "05": "文学",
    "06": "历史学",
    "07": "理学",
    "08": "工学",
    "09": "农学",
    "10": "医学",
    "11": "军事学",
    "12": "管理学",
    "13": "艺术学",
    "14": "交叉学科",
}


@dataclass(frozen=True)
class Discipline:
    """One entry of the catalogue."""

    code: str
    name: str
    category: str
    degree_type: str
    master_only: bool


def is_well_formed(code: str) -> bool:
    """Four ASCII digits."""
    return len(code) == 4 and code.isascii() and code.isdigit()


def degree_type_of(code: str) -> str:
    """`professional` when the (well-formed) code's third digit is 5 or more, else `academic`."""
    return "professional" if code[2] >= "5" else "academic"


@cache
def catalogue_2022() -> dict[str, Discipline]:
    """The embedded 2022 catalogue, keyed by code."""
    text = files("sampler.data").joinpath(CATALOGUE_RESOURCE).read_text(encoding="utf-8")
    return {
        row["code"]: Discipline(
            code=row["code"],
            name=row["name"],
            category=row["category"],
            degree_type=row["degree_type"],
            master_only=row["master_only"] == "yes",
        )
        for row in csv.DictReader(io.StringIO(text))
    }


def discipline_name(code: str) -> str:
    """The catalogue name of a code, or an empty string when the code is not in it."""
    entry = catalogue_2022().get(code)
    return entry.name if entry else ""
