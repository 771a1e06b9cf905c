"""Synthetic Chinese academic text, disguised copies of it, and demo theses as PDFs.

Used by the demo and by the benchmarks, never to screen real theses. Text is
made of "words" built from the 3,755 level-1 characters of GB2312 (the common
characters of modern Chinese), drawn with Zipf frequencies and a per-topic
preference, with clause and sentence punctuation; every generated text is new,
so two unrelated generated documents share only chance phrases, as in real
corpora. Generation is vectorised: 100 million characters take seconds.

Disguises applied to copied passages (what a similarity check must still find):
`identical`, `light` (a few characters replaced, dropped or inserted),
`traditional` (converted to traditional characters with OpenCC), `reorder`
(clauses and sentences shuffled), `heavy` (reordered plus many edits and
dropped clauses) and `summary` (a minority of the clauses kept, lightly edited).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from exports import write_atomically, write_text_atomically

DISGUISES = ("identical", "light", "traditional", "reorder", "heavy", "summary")

_FUNCTION_WORDS = [
    "的",
    "了",
    "是",
    "在",
    "和",
    "与",
    "对",
    "中",
    "为",
    "以及",
    "通过",
    "进行",
    "研究",
    "分析",
    "基于",
    "我们",
    "本文",
    "其",
    "并",
    "而",
    "可以",
    "能够",
    "一种",
    "这些",
    "该",
    "方法",
    "结果",
    "问题",
    "数据",
    "模型",
    "系统",
    "影响",
    "作用",
    "因素",
    "条件",
    "过程",
    "提出",
    "表明",
    "发现",
    "具有",
    "相关",
    "主要",
    "不同",
    "重要",
    "发展",
    "实现",
    "利用",
    "采用",
    "得到",
    "由于",
    "因此",
    "然而",
    "此外",
    "同时",
    "其中",
    "根据",
    "关于",
    "之间",
    "作为",
    "已经",
    "目前",
    "随着",
    "需要",
]
_TABLE_SIZE = 1 << 19
_CLAUSE = "，"
_SENTENCE = "。"
_PARAGRAPH = "。\n"


@cache
def common_han_characters() -> np.ndarray:
    """Code points of the 3,755 level-1 GB2312 characters (the everyday Chinese set)."""
    raw = bytearray()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            if hi == 0xD7 and lo > 0xF9:
                break
            raw += bytes((hi, lo))
    text = raw.decode("gb2312")
    return np.array([ord(c) for c in text], dtype=np.uint32)


@dataclass(frozen=True)
class Vocabulary:
    """Words as one code-point array with offsets; punctuation tokens come first."""

    words: tuple[str, ...]
    codes: np.ndarray  # uint32, all words concatenated
    starts: np.ndarray  # int64 offset of each word in `codes`
    lengths: np.ndarray  # int64
    weights: np.ndarray  # float64 base frequency (Zipf) of each word
    punctuation: int  # ids 0..punctuation-1 are punctuation tokens

    @property
    def size(self) -> int:
        return len(self.words)


@cache
def build_vocabulary(seed: int = 2024, size: int = 40_000) -> Vocabulary:
    """A deterministic vocabulary of `size` words (1–4 characters) with Zipf weights."""
    rng = np.random.default_rng(seed)
    chars = common_han_characters()
    char_p = 1.0 / np.arange(1, chars.size + 1) ** 0.9
    char_p = char_p[rng.permutation(chars.size)]
    char_p /= char_p.sum()
    lengths = rng.choice([1, 2, 3, 4], size=size * 2, p=[0.08, 0.62, 0.2, 0.1])
    picks = rng.choice(chars.size, size=int(lengths.sum()), p=char_p)
    flat = chars[picks]
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    seen: set[str] = set(_FUNCTION_WORDS)
    words: list[str] = [_CLAUSE, _SENTENCE, _PARAGRAPH, *_FUNCTION_WORDS]
    text = flat.tobytes().decode("utf-32-le")
    for i in range(lengths.size):
        w = text[bounds[i] : bounds[i + 1]]
        if w not in seen:
            seen.add(w)
            words.append(w)
            if len(words) >= size:
                break
    punct = 3
    n_func = len(_FUNCTION_WORDS)
    weights = np.empty(len(words))
    weights[punct : punct + n_func] = 0.2 / n_func
    rest = 1.0 / np.arange(1, len(words) - punct - n_func + 1) ** 0.95
    weights[punct + n_func :] = 0.8 * rest / rest.sum()
    weights[:punct] = 0.0
    codes_list = [np.frombuffer(w.encode("utf-32-le"), dtype=np.uint32) for w in words]
    lens = np.array([c.size for c in codes_list], dtype=np.int64)
    return Vocabulary(
        words=tuple(words),
        codes=np.concatenate(codes_list),
        starts=np.concatenate(([0], np.cumsum(lens)[:-1])).astype(np.int64),
        lengths=lens,
        weights=weights,
        punctuation=punct,
    )


class TextGenerator:
    """Generates Chinese-looking academic prose; each topic prefers its own words."""

    def __init__(self, seed: int = 0, *, topics: int = 40, vocabulary: Vocabulary | None = None):
        self.vocab = vocabulary or build_vocabulary()
        self.rng = np.random.default_rng(seed)
        self._seed = seed
        self._topic_table: dict[int, np.ndarray] = {}
        self.topics = topics

    def _table(self, topic: int) -> np.ndarray:
        """The topic's word distribution as a quantised look-up table (built on first use):
        one random integer per word instead of a binary search over cumulative weights."""
        table = self._topic_table.get(topic)
        if table is not None:
            return table
        v = self.vocab
        rng = np.random.default_rng([self._seed, 7919, topic])
        boosted = rng.choice(
            np.arange(v.punctuation, v.size), size=min(1500, v.size), replace=False
        )
        punct = np.array([0.11, 0.06, 0.008])
        w = v.weights.copy()
        w[boosted] *= 10.0
        w *= (1.0 - punct.sum()) / w.sum()
        w[: v.punctuation] = punct
        cdf = np.cumsum(w)
        grid = (np.arange(_TABLE_SIZE) + 0.5) / _TABLE_SIZE
        found = np.searchsorted(cdf / cdf[-1], grid, side="right").clip(max=v.size - 1)
        table = found.astype(np.uint16 if v.size < 65536 else np.uint32)
        self._topic_table[topic] = table
        return table

    def word_ids(self, n_words: int, topic: int | None = None) -> np.ndarray:
        """A stream of word ids with clause/sentence/paragraph punctuation mixed in."""
        rng = self.rng
        t = int(rng.integers(self.topics)) if topic is None else topic % self.topics
        table = self._table(t)
        ids = table[rng.integers(0, _TABLE_SIZE, n_words)].astype(np.int64)
        is_punct = ids < self.vocab.punctuation
        doubled = np.flatnonzero(is_punct[1:] & is_punct[:-1]) + 1
        if doubled.size:
            ids[doubled] = self.vocab.punctuation + rng.integers(
                0, len(_FUNCTION_WORDS), doubled.size
            )
        if n_words and ids[0] < self.vocab.punctuation:
            ids[0] = self.vocab.punctuation
        return ids

    def render(self, ids: np.ndarray) -> str:
        """The text of a word-id stream (vectorised gather of code points)."""
        v = self.vocab
        lens = v.lengths[ids]
        total = int(lens.sum())
        if total == 0:
            return ""
        ends = np.cumsum(lens)
        index = np.repeat(v.starts[ids] - (ends - lens), lens) + np.arange(total)
        return v.codes[index].tobytes().decode("utf-32-le")

    def text(self, n_chars: int, topic: int | None = None) -> str:
        """About `n_chars` characters of prose ending with a full stop."""
        if n_chars <= 0:
            return ""
        ids = self.word_ids(int(n_chars / 2.0) + 8, topic)
        s = self.render(ids)[: max(n_chars - 1, 1)]
        return s.rstrip("，。\n") + _SENTENCE

    def documents(self, count: int, mean_chars: int, *, spread: float = 0.5) -> list[str]:
        """`count` independent documents of about `mean_chars` characters each."""
        sizes = (
            (mean_chars * (1 + spread * (self.rng.random(count) * 2 - 1)))
            .astype(np.int64)
            .clip(min=200)
        )
        topics = self.rng.integers(0, self.topics, count)
        ids = [self.word_ids(int(n / 2.0) + 8, int(t)) for n, t in zip(sizes, topics, strict=True)]
        text = self.render(np.concatenate(ids))
        word_bounds = np.concatenate(([0], np.cumsum([self.vocab.lengths[i].sum() for i in ids])))
        out = []
        for k in range(count):
            doc = text[word_bounds[k] : word_bounds[k + 1]][: int(sizes[k])]
            out.append(doc.rstrip("，。\n") + _SENTENCE)
        return out


_CLAUSE_SPLIT = re.compile(r"(?<=[，。；！？\n])")


def _clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE_SPLIT.split(text) if c]


def _edit_characters(text: str, rate: float, rng: np.random.Generator) -> str:
    """Replaces, drops or inserts characters at about `rate` of the Han positions."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    han = (cps >= 0x4E00) & (cps <= 0x9FFF)
    pool = common_han_characters()
    pos = np.flatnonzero(han & (rng.random(cps.size) < rate))
    action = rng.integers(0, 3, pos.size)
    cps[pos[action == 0]] = pool[rng.integers(0, pool.size, int((action == 0).sum()))]
    keep = np.ones(cps.size, dtype=bool)
    keep[pos[action == 1]] = False
    ins_at = pos[action == 2]
    ins = pool[rng.integers(0, pool.size, ins_at.size)]
    out = np.insert(cps, ins_at, ins)
    keep = np.insert(keep, ins_at, True)
    return out[keep].tobytes().decode("utf-32-le")


def _shuffle_clauses(text: str, rng: np.random.Generator) -> str:
    sentences = [s for s in re.split(r"(?<=[。！？\n])", text) if s]
    shuffled = []
    for s in sentences:
        parts = [c.rstrip("，。") for c in _clauses(s)]
        parts = [p for p in parts if p]
        if len(parts) > 1:
            parts = [parts[i] for i in rng.permutation(len(parts))]
        shuffled.append("，".join(parts) + "。")
    order = rng.permutation(len(shuffled)) if len(shuffled) > 1 else range(len(shuffled))
    return "".join(shuffled[i] for i in order)


@cache
def _s2t() -> Any:
    from opencc import OpenCC

    return OpenCC("s2t")


def disguise(text: str, kind: str, rng: np.random.Generator) -> str:
    """`text` disguised as a copier would (see the module docstring for the kinds)."""
    if kind == "identical":
        return text
    if kind == "light":
        return _edit_characters(text, 0.06, rng)
    if kind == "traditional":
        return _s2t().convert(_edit_characters(text, 0.02, rng))
    if kind == "reorder":
        return _shuffle_clauses(text, rng)
    if kind == "heavy":
        clauses = _clauses(_shuffle_clauses(text, rng))
        kept = [c for c in clauses if rng.random() > 0.15] or clauses
        return _edit_characters("".join(kept), 0.18, rng)
    if kind == "summary":
        clauses = _clauses(text)
        kept = [c for c in clauses if rng.random() < 0.45] or clauses[:1]
        return _edit_characters("".join(kept), 0.05, rng)
    raise ValueError(f"unknown disguise {kind!r}; known: {', '.join(DISGUISES)}")


def snap_to_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The span moved to start after and end at a sentence stop (when one is near)."""
    s = text.rfind("。", 0, start)
    start = s + 1 if s >= 0 and start - s < 200 else start
    e = text.find("。", end)
    end = e + 1 if 0 <= e < end + 200 else end
    while start < end and text[start] in "\n ":
        start += 1
    return start, end


# ---------------------------------------------------------------------------
# Demo materials: a reference corpus and thesis PDFs with planted passages.


@dataclass(frozen=True)
class PlantedPassage:
    """Ground truth for one passage planted into a thesis."""

    thesis_id: str
    thesis_file: str
    source_file: str  # corpus file name, or the other thesis's file for a batch plant
    origin: str  # "corpus" or "batch"
    disguise: str
    chapter: int
    source_start: int
    source_end: int
    text: str  # the text as planted in the thesis (after the disguise)


@dataclass(frozen=True)
class DemoMaterials:
    """What `write_demo_materials` wrote."""

    thesis_files: tuple[Path, ...]
    corpus_dir: Path  # reference documents (.txt) to add with `spotcheck corpus add`
    corpus_metadata: Path  # CSV: file,title,authors,year,type,institution
    templates: tuple[Path, ...]  # one declaration/authorisation text per institution
    ground_truth: Path  # JSON list of PlantedPassage plus each thesis's profile
    planted: tuple[PlantedPassage, ...] = field(default_factory=tuple)
    profiles: Mapping[str, str] = field(default_factory=dict)


_DECLARATION = (
    "学位论文原创性声明\n本人郑重声明：所呈交的学位论文，是本人在导师的指导下，独立进行研究工作所取得的"
    "成果。除文中已经注明引用的内容外，本论文不含任何其他个人或集体已经发表或撰写过的作品成果。"
    "对本文的研究做出重要贡献的个人和集体，均已在文中以明确方式标明。本人完全意识到本声明的法律"
    "结果由本人承担。\n学位论文使用授权书\n本学位论文作者完全了解{inst}有关保留、使用学位论文的规定，"
    "即：学校有权保留并向国家有关部门或机构送交论文的复印件和电子版，允许论文被查阅和借阅。本人授权"
    "{inst}可以将本学位论文的全部或部分内容编入有关数据库进行检索，可以采用影印、缩印或扫描等复制"
    "手段保存和汇编本学位论文。\n"
)

_PROFILES = ("clean", "clean", "moderate", "heavy", "moderate", "clean", "own_work", "collusion")


def _pdf_paragraph_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write_thesis_pdf(
    path: Path, meta: Mapping[str, str], parts: Sequence[tuple[str, str]]
) -> None:
    """Writes a thesis PDF: `parts` are (heading, body) in reading order; body may be empty."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle(
        "body", fontName="STSong-Light", fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22
    )
    head = ParagraphStyle("head", fontName="STSong-Light", fontSize=15, leading=24, spaceAfter=8)
    title = ParagraphStyle("title", fontName="STSong-Light", fontSize=20, leading=30, alignment=1)
    center = ParagraphStyle("center", fontName="STSong-Light", fontSize=13, leading=22, alignment=1)
    running = f"{meta.get('institution', '')}{meta.get('degree_label', '硕士学位论文')}"

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("STSong-Light", 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 40, running)
        canvas.drawCentredString(A4[0] / 2, 30, str(doc.page))
        canvas.restoreState()

    story: list[Any] = [Spacer(1, 120), Paragraph(_pdf_paragraph_text(meta["title"]), title)]
    story.append(Spacer(1, 60))
    for label, key in (("作者", "author"), ("导师", "supervisor"), ("学科", "discipline_code")):
        story.append(Paragraph(f"{label}：{_pdf_paragraph_text(meta.get(key, ''))}", center))
    story.append(Paragraph(_pdf_paragraph_text(meta.get("institution", "")), center))
    story.append(PageBreak())
    for heading, text in parts:
        if heading:
            story.append(Paragraph(_pdf_paragraph_text(heading), head))
        for para in text.split("\n"):
            if para.strip():
                story.append(Paragraph(_pdf_paragraph_text(para), body))
        story.append(PageBreak())
    write_atomically(
        path,
        lambda tmp: SimpleDocTemplate(
            str(tmp), pagesize=A4, title=meta["title"], author=meta.get("author", "")
        ).build(story, onFirstPage=decorate, onLaterPages=decorate),
    )


_ENGLISH_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "by",
    "this",
    "are",
    "be",
    "from",
    "an",
    "which",
    "it",
    "we",
    "model",
    "data",
    "method",
    "results",
    "analysis",
    "system",
    "study",
    "approach",
    "proposed",
    "based",
    "performance",
    "shows",
    "using",
    "network",
    "learning",
    "structure",
    "process",
    "design",
    "framework",
    "theory",
    "effect",
    "factors",
    "evaluation",
    "experiment",
    "significant",
    "improved",
    "efficient",
    "accuracy",
    "algorithm",
    "optimization",
    "control",
    "estimation",
    "simulation",
    "samples",
    "features",
    "robust",
    "stability",
    "response",
    "measurement",
]


def _english_abstract(rng: np.random.Generator, words: int) -> str:
    """An English abstract of random academic words (unique per thesis)."""
    picks = [_ENGLISH_WORDS[i] for i in rng.integers(0, len(_ENGLISH_WORDS), words)]
    sentences = [" ".join(picks[i : i + 12]).capitalize() for i in range(0, len(picks), 12)]
    return ". ".join(sentences) + "."


def _plain(gen: TextGenerator, n: int, topic: int) -> str:
    """Prose in paragraphs of 150–400 characters."""
    out = []
    left = n
    while left > 0:
        size = min(left, int(gen.rng.integers(150, 400)))
        out.append(gen.text(size, topic))
        left -= size
    return "\n".join(out)


def write_demo_materials(
    seed: int,
    theses: Sequence[Mapping[str, str]],
    out_dir: Path,
    *,
    corpus_documents: int = 60,
    chapter_chars: int = 2400,
) -> DemoMaterials:
    """Writes a reference corpus and one thesis PDF per metadata dict, with planted copies.

    Each thesis gets a profile (cycled by position): `clean` (original text only,
    with a properly quoted and cited sentence), `moderate` (a few copied and lightly
    disguised passages), `heavy` (whole sections copied, some in traditional
    characters or reordered), `own_work` (a passage from the author's own earlier
    paper, which is in the corpus under the author's name) and `collusion` (a
    passage shared with the previous thesis of the batch). Writes
    `OUT/corpus/*.txt`, `OUT/corpus_metadata.csv`, `OUT/templates/*.txt`,
    `OUT/theses/<thesis_id>.pdf` and `OUT/ground_truth.json`.
    """
    out_dir = Path(out_dir)
    gen = TextGenerator(seed)
    rng = np.random.default_rng(seed + 1)
    corpus_dir = out_dir / "corpus"
    thesis_dir = out_dir / "theses"
    template_dir = out_dir / "templates"
    for d in (corpus_dir, thesis_dir, template_dir):
        d.mkdir(parents=True, exist_ok=True)

    docs = gen.documents(corpus_documents, 6000)
    rows: list[dict[str, str]] = []
    files: list[str] = []
    for i, text in enumerate(docs):
        name = f"ref-{i + 1:04d}.txt"
        write_text_atomically(corpus_dir / name, text)
        files.append(name)
        rows.append(
            {
                "file": name,
                "title": gen.text(18, i).rstrip("。").replace("，", ""),
                "authors": f"作者{i + 1:03d}",
                "year": str(2012 + i % 12),
                "type": ("article", "thesis", "other")[i % 3],
                "institution": "",
            }
        )
    planted: list[PlantedPassage] = []
    profiles: dict[str, str] = {}
    own_docs: dict[str, int] = {}
    for t_index, meta in enumerate(theses):
        if _PROFILES[t_index % len(_PROFILES)] == "own_work":
            text = gen.documents(1, 5000)[0]
            name = f"own-{t_index + 1:04d}.txt"
            write_text_atomically(corpus_dir / name, text)
            own_docs[meta["thesis_id"]] = len(docs)
            docs.append(text)
            files.append(name)
            rows.append(
                {
                    "file": name,
                    "title": f"{meta['title'][:12]}的前期研究",
                    "authors": f"{meta['author']};{meta.get('supervisor', '')}",
                    "year": "2023",
                    "type": "article",
                    "institution": meta.get("institution", ""),
                }
            )
    meta_path = out_dir / "corpus_metadata.csv"
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=["file", "title", "authors", "year", "type", "institution"]
    )
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomically(meta_path, buf.getvalue())

    templates: list[Path] = []
    institutions = sorted({m.get("institution", "") for m in theses})
    for k, inst in enumerate(institutions):
        p = template_dir / f"declaration-{k + 1:02d}.txt"
        write_text_atomically(p, _DECLARATION.format(inst=inst))
        templates.append(p)

    thesis_files: list[Path] = []
    previous_chapters: list[str] | None = None
    previous_file = ""
    for t_index, meta in enumerate(theses):
        profile = _PROFILES[t_index % len(_PROFILES)]
        tid = meta["thesis_id"]
        profiles[tid] = profile
        file_name = f"{tid}.pdf"
        topic = int(rng.integers(0, gen.topics))
        chapters = [_plain(gen, chapter_chars, topic) for _ in range(5)]
        plants: list[tuple[int, str, str, str, int, int]] = []
        if profile in ("moderate", "heavy"):
            count = 4 if profile == "moderate" else 10
            kinds = ("identical", "light", "traditional", "reorder")
            for j in range(count):
                src_i = int(rng.integers(0, corpus_documents))
                src = docs[src_i]
                length = int(rng.integers(500, 900)) if profile == "moderate" else 1300
                a = int(rng.integers(0, max(1, len(src) - length)))
                a, b = snap_to_sentence(src, a, a + length)
                kind = kinds[j % len(kinds)]
                plants.append((j % 5, files[src_i], "corpus", kind, a, b))
        if profile == "own_work":
            src_i = own_docs[tid]
            a, b = snap_to_sentence(docs[src_i], 200, 1400)
            plants.append((1, files[src_i], "corpus", "identical", a, b))
        for chapter, src_file, origin, kind, a, b in plants:
            src_text = docs[files.index(src_file)]
            copied = disguise(src_text[a:b], kind, rng).strip()
            paras = chapters[chapter].split("\n")
            at = int(rng.integers(0, len(paras) + 1))
            paras.insert(at, copied)
            chapters[chapter] = "\n".join(paras)
            planted.append(
                PlantedPassage(tid, file_name, src_file, origin, kind, chapter + 1, a, b, copied)
            )
        if profile == "collusion" and previous_chapters is not None:
            shared = previous_chapters[2].split("\n")
            piece = "\n".join(shared[: max(1, len(shared) // 2)])
            chapters[2] = piece + "\n" + chapters[2]
            planted.append(
                PlantedPassage(tid, file_name, previous_file, "batch", "identical", 3, 0, 0, piece)
            )
        quote = gen.text(40, topic).rstrip("。")
        chapters[0] = chapters[0] + f"\n正如前人所指出的，“{quote}”[1]。"
        author = meta.get("author", "")
        refs = "\n".join(
            f"[{n + 1}] {rows[int(rng.integers(0, len(rows)))]['authors']}. "
            f"{rows[int(rng.integers(0, len(rows)))]['title']}[J]. 学报, {2015 + n % 9}."
            for n in range(12)
        )
        parts: list[tuple[str, str]] = [
            ("", _DECLARATION.format(inst=meta.get("institution", ""))),
            (
                "摘要",
                gen.text(600, topic)
                + "\n关键词："
                + "；".join(gen.text(6, topic) for _ in range(4)),
            ),
            ("Abstract", _english_abstract(rng, 90)),
        ]
        titles = ["绪论", "相关研究综述", "研究方法", "实验与分析", "结论与展望"]
        for c, body in enumerate(chapters):
            parts.append((f"第{c + 1}章 {titles[c]}", body))
        parts.append(("参考文献", refs))
        parts.append(
            (
                "攻读学位期间发表的学术论文",
                f"[1] {author}. {rows[own_docs[tid]]['title']}[J]. 学报, 2023."
                if tid in own_docs
                else f"[1] {author}. {gen.text(14, topic).rstrip('。')}[J]. 学报, 2024.",
            )
        )
        parts.append(
            ("致谢", f"感谢导师{meta.get('supervisor', '')}的悉心指导。" + gen.text(200, topic))
        )
        path = thesis_dir / file_name
        _write_thesis_pdf(path, meta, parts)
        thesis_files.append(path)
        previous_chapters = chapters
        previous_file = file_name

    truth_path = out_dir / "ground_truth.json"
    write_text_atomically(
        truth_path,
        json.dumps(
            {"profiles": profiles, "planted": [asdict(p) for p in planted]},
            ensure_ascii=False,
            indent=1,
        ),
    )
    return DemoMaterials(
        thesis_files=tuple(thesis_files),
        corpus_dir=corpus_dir,
        corpus_metadata=meta_path,
        templates=tuple(templates),
        ground_truth=truth_path,
        planted=tuple(planted),
        profiles=profiles,
    )
