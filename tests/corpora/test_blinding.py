"""The one blinding module: every name form, e-mail, keyed numbers, anonymous batch sources."""

from __future__ import annotations

import hashlib
import re

from corpora import blind
from screening.result import ScreeningResult
from tests.screening.report.factory import make_result

UNIVERSITIES = ("甲大学", "乙大学", "东海理工大学", "南京大学", "清华大学")


def unkeyed_number(name: str) -> str:
    """What anyone with the list of universities could compute from an unkeyed hash."""
    digest = hashlib.sha256(("institution:" + name).encode("utf-8")).digest()
    return f"U{int.from_bytes(digest[:4], 'big') % 9000 + 1000}"


def test_institution_number_cannot_be_recomputed_from_the_list_of_universities() -> None:
    key = blind.blinding_key("a deployment secret of enough length", "cycle-2025")
    numbers = {name: blind.institution_number({"institution": name}, key) for name in UNIVERSITIES}
    assert all(re.fullmatch(r"U\d{4}", n) for n in numbers.values())
    assert all(numbers[name] != unkeyed_number(name) for name in UNIVERSITIES)
    other = blind.blinding_key("a deployment secret of enough length", "cycle-2026")
    assert numbers != {n: blind.institution_number({"institution": n}, other) for n in UNIVERSITIES}
    assert (
        blind.institution_number({"institution": "甲大学", "institution_number": 17}, key) == "17"
    )


def test_blind_ids_are_keyed_and_one_scheme() -> None:
    key = blind.blinding_key("a deployment secret of enough length", "cycle-2025")
    first = blind.blind_id(key, "T2025-0042")
    assert re.fullmatch(r"B-[0-9A-F]{10}", first) and "0042" not in first
    assert first == blind.blind_id(key, "T2025-0042") != blind.blind_id(key, "T2025-0043")
    plain = "B-" + hashlib.sha256(b"T2025-0042").hexdigest()[:10].upper()
    assert first != plain


def test_pinyin_and_english_forms_of_chinese_names_are_masked() -> None:
    masker = blind.NameMasker(["王小明", "单田芳", "甲大学", "欧阳修"])
    text = (
        "Wang Xiaoming; Xiaoming Wang; WANG Xiao-ming; wang xiao ming; Shan Tianfang; "
        "Jia University; University of Jia; Ouyang Xiu. Wangxiao is a word, so is Jiaxing."
    )
    masked = masker.mask(text)
    assert len(masked) == len(text)
    for form in (
        "Wang",
        "Xiaoming",
        "Xiao-ming",
        "xiao ming",
        "Shan",
        "Jia Univ",
        "of Jia",
        "Ouyang",
    ):
        assert form.lower() not in masked.lower().replace("wangxiao", ""), form
    assert "Wangxiao is a word" in masked and "Jiaxing" in masked


def test_email_addresses_are_masked() -> None:
    masker = blind.NameMasker(["王小明"])
    text = "联系方式：wangxm@example.edu.cn，或 x.wang+thesis@mail.jia.edu.cn。"
    masked = masker.mask(text)
    assert "@" not in masked and "example" not in masked and len(masked) == len(text)
    assert masked.startswith("联系方式：") and masked.endswith("。")


def test_every_name_field_is_collected() -> None:
    meta = {
        "author": "王小明",
        "author_en": "Wang Xiaoming",
        "supervisor": "赵教授；钱老师",
        "co_authors": ["孙同学"],
        "pre_defence_reviewers": ["李评审"],
        "institution": "甲大学",
        "institution_en": "Jia University",
        "email": "wangxm@example.edu.cn",
        "title": "不是名字",
    }
    names = set(blind.names_from_metadata(meta))
    assert {"王小明", "Wang Xiaoming", "孙同学", "李评审", "甲大学", "Jia University"} <= names
    assert "wangxm@example.edu.cn" in names and "不是名字" not in names


def test_batch_sources_are_anonymised_with_their_passages() -> None:
    data = make_result()
    data["sources"][2] |= {
        "id": "batch:张三-论文",
        "title": "别人的论文",
        "file": "张三-论文.pdf",
        "authors": ["张三"],
        "institution": "乙大学",
    }
    data["passages"][3]["source_id"] = "batch:张三-论文"
    result = ScreeningResult.from_json(data)  # fmt: skip
    anonymous = blind.anonymise_batch_sources(result)
    text = str(anonymous.to_json())
    for value in ("张三", "别人的论文", "乙大学"):
        assert value not in text
    assert anonymous.sources[:2] == result.sources[:2]
    assert anonymous.passages[3].source_id == anonymous.sources[2].id == "batch:1"
    assert "同批次" in anonymous.sources[2].title
    assert anonymous.sources[2].share == result.sources[2].share
    assert result.sources[2].title == "别人的论文"  # the stored result is not changed
