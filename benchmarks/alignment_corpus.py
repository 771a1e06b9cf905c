"""A second, independent PAN-format alignment corpus: other texts, other disguises.

Usage:
  .venv/bin/python benchmarks/alignment_corpus.py --out DIR [--pairs-per-type 30] [--seed 7]
  .venv/bin/python benchmarks/alignment_corpus.py --evaluate     # generate into a temp dir, score

The dev corpora under ../shared are CSL abstracts and English web pages with their own
disguises. This generator uses text that is already on the machine, offline:

- Chinese: the Simplified Chinese translations shipped with the system's programs (gettext
  catalogues under /usr/share/locale/zh_CN and Vim's, Vim's Chinese tutor) — software messages
  and help texts, a register quite unlike scientific abstracts;
- English: docstrings of the Python standard library, read from its source files with `ast`.

Sentences are de-duplicated (no 12-character string twice), so a pair shares text only where a
case was planted. The disguises differ from the dev corpora's:

- 01-no-plagiarism: nothing planted.
- 02-none: verbatim.
- 03-spacing: zh punctuation dropped, zero-width and ordinary spaces inserted, full-width
  Latin; en all lower case, punctuation dropped, paragraphs joined.
- 04-script: zh Hong Kong traditional characters (OpenCC s2hk) and corner quotes; en British
  spellings, contractions, curly quotes.
- 05-reverse: zh clause order reversed in each sentence and sentence order reversed; en
  sentence order reversed.
- 06-noise: zh 8% of the characters deleted, 5% inserted, adjacent swaps; en 10% of the words
  deleted, 10% adjacent swaps, filler words inserted.
- 07-condense: zh every other sentence kept and its last clause dropped; en one sentence in
  three kept.

The ground truth marks the whole source span a case was made from.
"""

from __future__ import annotations

import argparse
import ast
import gettext
import random
import re
import sys
import sysconfig
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

_HAN = re.compile(r"[\u4e00-\u9fff]")
_ZH_END = re.compile(r"[。！？!?]$")
_EN_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
TYPES = (
    "01-no-plagiarism",
    "02-none",
    "03-spacing",
    "04-script",
    "05-reverse",
    "06-noise",
    "07-condense",
)


def _dedupe(sentences: list[str], width: int = 12) -> list[str]:
    """Keep sentences that share no `width`-character string with an earlier kept one."""
    seen: set[str] = set()
    kept: list[str] = []
    for sentence in sentences:
        grams = {sentence[i : i + width] for i in range(max(1, len(sentence) - width + 1))}
        if grams & seen:
            continue
        seen |= grams
        kept.append(sentence)
    return kept


def chinese_sentences() -> list[str]:
    """Chinese sentences from the system's translation catalogues and Vim's tutor."""
    lines: list[str] = []
    catalogues = sorted(Path("/usr/share/locale/zh_CN/LC_MESSAGES").glob("*.mo"))
    catalogues += sorted(Path("/usr/share/vim").glob("vim*/lang/zh_CN.UTF-8/LC_MESSAGES/*.mo"))
    for path in catalogues:
        try:
            with path.open("rb") as handle:
                catalogue = gettext.GNUTranslations(handle)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        for value in catalogue._catalog.values():  # noqa: SLF001 - the parsed message table
            if isinstance(value, str):
                lines.extend(value.split("\n"))
    for tutor in sorted(Path("/usr/share/vim").glob("vim*/tutor/tutor.zh_cn.utf-8")):
        lines.extend(tutor.read_text(encoding="utf-8", errors="replace").split("\n"))
    sentences = []
    for line in lines:
        line = line.strip()
        if not line or line[0] in "-<[(" or "%" in line or "\t" in line:
            continue
        if len(_HAN.findall(line)) < 15 or len(_HAN.findall(line)) < 0.6 * len(line):
            continue
        if not _ZH_END.search(line):
            line = line.rstrip("。，,.:：;；") + "。"
        sentences.append(line)
    return _dedupe(sorted(set(sentences)))


def english_sentences() -> list[str]:
    """English sentences from the docstrings of the Python standard library."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    docs: list[str] = []
    for path in sorted(stdlib.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                doc = ast.get_docstring(node)
                if doc:
                    docs.append(doc)
    sentences = []
    for doc in docs:
        for paragraph in doc.split("\n\n"):
            if any(mark in paragraph for mark in (">>>", "::", "{", "}", "==", "->")):
                continue
            text = " ".join(paragraph.split())
            for sentence in _EN_SENT.split(text):
                words = sentence.split()
                if not 8 <= len(words) <= 60 or not sentence.endswith("."):
                    continue
                if sum(w.isalpha() for w in words) < 0.7 * len(words):
                    continue
                sentences.append(sentence)
    return _dedupe(sorted(set(sentences)), width=30)


# --- disguises -------------------------------------------------------------------------------

_FILLERS_EN = ("really", "actually", "in fact", "also", "basically", "of course")
_BRITISH = {
    "behavior": "behaviour",
    "color": "colour",
    "initialize": "initialise",
    "recognize": "recognise",
    "center": "centre",
    "license": "licence",
    "analyze": "analyse",
    "optimize": "optimise",
    "it is": "it's",
    "does not": "doesn't",
    "is not": "isn't",
    "cannot": "can't",
}


def _full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


def zh_disguise(kind: str, sentences: list[str], rng: random.Random) -> str:
    import opencc

    if kind == "02-none":
        return "".join(sentences)
    if kind == "03-spacing":
        out = []
        for ch in "".join(sentences):
            if ch in '，。、；：！？,.;:!?（）()“”"':
                continue
            out.append(_full_width(ch))
            roll = rng.random()
            if roll < 0.15:
                out.append("\u200b")
            elif roll < 0.25:
                out.append(" ")
        return "".join(out)
    if kind == "04-script":
        text = opencc.OpenCC("s2hk").convert("".join(sentences))
        return text.replace("“", "「").replace("”", "」")
    if kind == "05-reverse":
        reversed_sentences = []
        for sentence in reversed(sentences):
            end = sentence[-1] if sentence[-1] in "。！？" else ""
            body = sentence[: len(sentence) - len(end)]
            clauses = [c for c in re.split("[，,]", body) if c]
            reversed_sentences.append("，".join(reversed(clauses)) + end)
        return "".join(reversed_sentences)
    if kind == "06-noise":
        chars = list("".join(sentences))
        pool = [c for c in chars if _HAN.match(c)]
        out = []
        for ch in chars:
            roll = rng.random()
            if roll < 0.08 and _HAN.match(ch):
                continue
            out.append(ch)
            if roll > 0.95:
                out.append(rng.choice(pool))
        for _ in range(len(out) // 40):
            k = rng.randrange(len(out) - 1)
            out[k], out[k + 1] = out[k + 1], out[k]
        return "".join(out)
    if kind == "07-condense":
        kept = []
        for sentence in sentences[::2]:
            clauses = re.split("(?<=[，,])", sentence)
            if len(clauses) > 2:
                sentence = "".join(clauses[:-1]).rstrip("，,") + "。"
            kept.append(sentence)
        return "".join(kept)
    raise ValueError(kind)


def en_disguise(kind: str, sentences: list[str], rng: random.Random) -> str:
    if kind == "02-none":
        return " ".join(sentences)
    if kind == "03-spacing":
        text = " ".join(sentences).lower()
        return " ".join(re.sub(r"[^\w\s]", " ", text).split())
    if kind == "04-script":
        text = " ".join(sentences)
        for us, uk in _BRITISH.items():
            text = text.replace(us, uk)
        return text.replace("'", "’").replace('"', "“")
    if kind == "05-reverse":
        return " ".join(reversed(sentences))
    if kind == "06-noise":
        out = []
        for sentence in sentences:
            words = [w for w in sentence.split() if rng.random() >= 0.10]
            for k in range(len(words) - 1):
                if rng.random() < 0.10:
                    words[k], words[k + 1] = words[k + 1], words[k]
            if words and rng.random() < 0.5:
                words.insert(rng.randrange(len(words)), rng.choice(_FILLERS_EN))
            out.append(" ".join(words))
        return " ".join(out)
    if kind == "07-condense":
        return " ".join(sentences[::3])
    raise ValueError(kind)


# --- corpus ----------------------------------------------------------------------------------


def _document(
    sentences: list[str], joiner: str, rng: random.Random, per_paragraph: tuple[int, int]
) -> tuple[str, list[int]]:
    """Text of paragraphs of sentences; returns the text and each sentence's start offset."""
    text = ""
    starts = []
    k = 0
    while k < len(sentences):
        size = rng.randint(*per_paragraph)
        if text:
            text += "\n" if rng.random() < 0.5 else "\n\n"
        for sentence in sentences[k : k + size]:
            if text and not text.endswith("\n"):
                text += joiner
            starts.append(len(text))
            text += sentence
        k += size
    return text, starts


def build_corpus(out: Path, *, pairs_per_type: int = 30, seed: int = 7) -> dict[str, int]:
    """Write the corpus (zh/ and en/ PAN-format folders) under `out`; returns sentence counts."""
    rng = random.Random(seed)
    counts = {}
    for lang, pool, joiner, disguise, case_sentences in (
        ("zh", chinese_sentences(), "", zh_disguise, (5, 14)),
        ("en", english_sentences(), " ", en_disguise, (4, 12)),
    ):
        counts[lang] = len(pool)
        if len(pool) < 300:
            print(f"{lang}: only {len(pool)} sentences of material found; skipped", file=sys.stderr)
            continue
        root = out / f"{lang}-generated"
        for sub in ("src", "susp", *TYPES):
            (root / sub).mkdir(parents=True, exist_ok=True)
        all_pairs = []
        number = 0
        for kind in TYPES:
            type_pairs = []
            for _ in range(pairs_per_type):
                number += 1
                chosen = rng.sample(pool, min(len(pool), 140))
                src_sentences, susp_sentences = chosen[:70], chosen[70:120]
                src_text, src_starts = _document(src_sentences, joiner, rng, (3, 8))
                cases: list[tuple[str, int, int]] = []  # (passage, source start, source end)
                if kind != "01-no-plagiarism":
                    n_cases = rng.randint(1, 3)
                    slots = sorted(rng.sample(range(0, len(src_sentences) - 15, 15), n_cases))
                    for slot in slots:
                        length = rng.randint(*case_sentences)
                        first = slot + rng.randint(0, 2)
                        last = min(first + length, len(src_sentences)) - 1
                        start = src_starts[first]
                        end = src_starts[last] + len(src_sentences[last])
                        passage = disguise(kind, src_sentences[first : last + 1], rng)
                        cases.append((passage, start, end))
                    rng.shuffle(cases)
                # Interleave cases with the suspicious document's own sentences.
                pieces: list[str | tuple[str, int, int]] = list(susp_sentences)
                for n, case in enumerate(cases):
                    at = (n + 1) * len(pieces) // (len(cases) + 1)
                    pieces.insert(at, case)
                susp_text = ""
                features = []
                for piece in pieces:
                    if susp_text:
                        susp_text += joiner if rng.random() < 0.7 else "\n"
                    if isinstance(piece, tuple):
                        passage, s0, s1 = piece
                        features.append((len(susp_text), len(passage), s0, s1 - s0))
                        susp_text += passage
                    else:
                        susp_text += piece
                susp_name = f"suspicious-document{number:05d}.txt"
                src_name = f"source-document{number:05d}.txt"
                for folder, name, text in (
                    ("susp", susp_name, susp_text),
                    ("src", src_name, src_text),
                ):
                    with (root / folder / name).open("w", encoding="utf-8", newline="") as handle:
                        handle.write(text)
                xml = [f'<document reference="{susp_name}">']
                for t0, tl, s0, sl in features:
                    xml.append(
                        f'<feature name="plagiarism" obfuscation="{kind[3:]}" this_offset="{t0}" '
                        f'this_length="{tl}" source_reference="{src_name}" source_offset="{s0}" '
                        f'source_length="{sl}"/>'
                    )
                xml.append("</document>")
                xml_name = f"suspicious-document{number:05d}-source-document{number:05d}.xml"
                (root / kind / xml_name).write_text("\n".join(xml) + "\n", encoding="utf-8")
                type_pairs.append(f"{susp_name} {src_name}")
            (root / kind / "pairs").write_text("\n".join(type_pairs) + "\n", encoding="utf-8")
            all_pairs.extend(type_pairs)
        (root / "pairs").write_text("\n".join(all_pairs) + "\n", encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder to write the corpora into")
    parser.add_argument("--pairs-per-type", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--evaluate", action="store_true", help="score the aligner on it")
    args = parser.parse_args(argv)
    if args.out is None and not args.evaluate:
        parser.error("give --out DIR, --evaluate, or both")
    with tempfile.TemporaryDirectory() as temp:
        out = args.out or Path(temp)
        counts = build_corpus(out, pairs_per_type=args.pairs_per_type, seed=args.seed)
        print(f"material: {counts['zh']} Chinese and {counts['en']} English sentences")
        print(f"corpora written to {out}")
        if args.evaluate:
            from pan_eval import evaluate_corpus, format_result

            for corpus in sorted(out.glob("*-generated")):
                print(format_result(evaluate_corpus(corpus)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
