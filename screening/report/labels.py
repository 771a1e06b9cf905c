"""Bilingual labels (Chinese first, English beside) for everything a report names."""

from __future__ import annotations

FLAG_LEVELS: dict[str, str] = {
    "suspected_misconduct": "疑似学术不端 Suspected misconduct",
    "needs_review": "需人工复核 Needs review",
    "clear": "未见异常 Clear",
}

FLAG_SEVERITY: dict[str, int] = {"suspected_misconduct": 2, "needs_review": 1, "clear": 0}

MATCH_CLASSES: dict[str, str] = {
    "identical": "相同 Identical",
    "minor_changes": "微改 Minor changes",
    "paraphrase": "改写 Paraphrased",
    "translated": "跨语言 Translated",
}

LANGUAGES: dict[str, str] = {"en": "英文 English", "zh": "中文 Chinese"}

DISPLAY_CLASSES: dict[str, str] = {
    **MATCH_CLASSES,
    "quote": "引用（不计入） Quotation (not counted)",
    "excluded": "已排除（不计入） Excluded (not counted)",
}

EXCLUSION_REASONS: dict[str, str] = {
    "quote": "引用 Quotation",
    "references": "参考文献 Bibliography",
    "template": "学校模板 University boilerplate",
    "excluded_source": "已排除来源 Excluded source",
    "small_match": "过短片段 Small match",
}

DEGREE_LEVELS: dict[str, str] = {
    "doctoral": "博士 Doctoral",
    "博士": "博士 Doctoral",
    "master": "硕士 Master",
    "硕士": "硕士 Master",
    "bachelor": "学士 Bachelor",
    "学士": "学士 Bachelor",
}

DEGREE_TYPES: dict[str, str] = {
    "academic": "学术学位 Academic",
    "学术学位": "学术学位 Academic",
    "professional": "专业学位 Professional",
    "专业学位": "专业学位 Professional",
}

SOURCE_ORIGINS: dict[str, str] = {
    "corpus": "比对库 Corpus",
    "batch": "同批论文 Same batch",
}

SECTION_KINDS: dict[str, str] = {
    "cover": "封面 Cover",
    "declaration": "声明 Declaration",
    "abstract_zh": "中文摘要 Chinese abstract",
    "abstract_en": "英文摘要 English abstract",
    "toc": "目录 Contents",
    "chapter": "正文章节 Chapter",
    "references": "参考文献 Bibliography",
    "appendix": "附录 Appendix",
    "acknowledgements": "致谢 Acknowledgements",
    "publications": "成果 Publications",
    "other": "其他 Other",
}

SETTINGS: dict[str, str] = {
    "exclude_quotes": "排除引用 Exclude quotations",
    "exclude_references": "排除参考文献 Exclude bibliography",
    "exclude_own": "排除本人文献 Exclude author's own work",
    "min_match_characters": "最小匹配字数 Minimum match (characters)",
    "min_match_share": "最小匹配占比 Minimum match (share)",
    "excluded_sources": "排除的来源 Excluded sources",
    "templates": "排除学校模板 Exclude university boilerplate",
    "batch_comparison": "同批互查 Compare within batch",
    "policy": "标记规则 Flag policy",
}

POLICY: dict[str, str] = {
    "needs_review_ratio": "需复核：扣除排除项后复制比 ≥ Needs review: copy ratio ≥",
    "misconduct_ratio": "疑似不端：扣除排除项后复制比 ≥ Suspected misconduct: copy ratio ≥",
    "needs_review_single_source": "需复核：单篇最大复制比 ≥ Needs review: largest single source ≥",
    "misconduct_single_source": "疑似不端：单篇最大复制比 ≥ Suspected misconduct: largest source ≥",
    "needs_review_chapter_ratio": "需复核：章节复制比 ≥ Needs review: chapter copy ratio ≥",
    "chapter_min_characters": "章节规则最少字数 Chapter rule: minimum characters",
    "needs_review_passage_characters": "需复核：连续复制字数 ≥ Needs review: copied passage ≥",
    "needs_review_batch_ratio": "需复核：与同批论文重合 ≥ Needs review: shared with batch ≥",
    "misconduct_batch_ratio": "疑似不端：与同批论文重合 ≥ Suspected misconduct: batch overlap ≥",
}

OWN_WORK = "本人文献 Author's own work"
UNKNOWN_SOURCE = "未知来源 Unknown source"
NOT_AVAILABLE = "—"


def label(table: dict[str, str], key: object) -> str:
    """The bilingual label for `key`, or the key itself when the table does not know it."""
    if key is None or key == "":
        return NOT_AVAILABLE
    return table.get(str(key), str(key))
