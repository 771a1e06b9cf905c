"""Same-field hard negatives: a Chinese and an English abstract of one discipline, different work.

The abstracts are composed from `benchmarks/data/field_vocabulary.json` (20 disciplines, each
with research objects, methods, factors and outcomes written in both languages) and three
abstract templates per language; template k of one language is a translation of template k of
the other. They are synthetic: realistic in wording and structure, not real publications.

- negatives (200 pairs, the target: 0 detections in either direction): per discipline, 10
  Chinese abstracts, each paired with an English abstract of the same discipline about another
  object, factor and outcome, with another method, place, sample size and figures, written on
  another template;
- same-template negatives (200 pairs): the same, but both abstracts on one template, so every
  sentence has its structural counterpart (harder than most real pairs);
- translations (200 pairs, the control): the English abstract is the translation of the
  Chinese one (same work, same template), which alignment should find.

Each pair is aligned with `align_texts` (monolingual and cross-language), as `spotcheck align`
does, with the Chinese abstract as the suspicious text and with the English one.
`benchmarks/data/same_field_negatives.jsonl` holds the 200 negatives (one JSON object a line:
kind, discipline code, zh, en); the benchmark checks it against the generator, and `--write`
regenerates it (deterministic). The other two sets are generated on the fly.

    .venv/bin/python benchmarks/same_field_negatives.py [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.align import align_texts, prepare_text  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
VOCABULARY = DATA / "field_vocabulary.json"
PAIRS = DATA / "same_field_negatives.jsonl"
SEED = 13
TOPICS = 10

ZH_TEMPLATES = (
    "{obj}是{field}领域的重要研究对象。本文以{place}的{n}个{obj}样本为研究对象，采用{method}，"
    "分析了{factor}对{outcome}的影响。结果表明，{factor}与{outcome}呈显著{relation}关系，"
    "可解释{pct}%的变异。此外，不同样本之间的差异主要来自{factor}。"
    "研究结果可为{obj}的{application}提供理论依据。",
    "近年来，{factor}问题日益受到{field}研究者的重视。为揭示其作用机制，本研究于{year}年在"
    "{place}开展调查，共获取{n}组{obj}数据，并基于{method}构建了分析框架。研究发现，{factor}"
    "通过影响{outcome}发挥作用，二者之间存在{relation}关系。当{factor}超过阈值后，{outcome}"
    "的变化幅度明显增大，增幅约为{pct}%。本文据此提出了改进{obj}{application}的若干建议。",
    "{outcome}是评价{obj}的关键指标，但{factor}对其影响尚不明确。本文综合运用{method}和统计"
    "检验，对{place}{n}个{obj}样本进行了系统研究。结果显示，{factor}每提高一个等级，{outcome}"
    "平均变化{pct}%，且该效应在不同条件下保持稳定。研究还发现，{factor}与{outcome}之间的"
    "{relation}关系在{year}年后更加明显。上述结论丰富了{field}的相关理论，对{obj}的"
    "{application}具有参考价值。",
)
EN_TEMPLATES = (
    "Research on {obj} is important in {field}. This study takes {n} samples of {obj} in "
    "{place} and uses {method} to analyse the effect of {factor} on {outcome}. The results show "
    "a significant {relation} relationship between {factor} and {outcome}, which explains {pct}% "
    "of the variation. In addition, the differences between samples come mainly from {factor}. "
    "The findings provide a theoretical basis for the {application} of {obj}.",
    "In recent years, {factor} has received growing attention from researchers in {field}. To "
    "reveal how it works, this study carried out a survey in {place} in {year}, obtained {n} "
    "sets of data on {obj}, and built an analytical framework based on {method}. We find that "
    "{factor} acts through its influence on {outcome}, and that the two have a {relation} "
    "relationship. Once {factor} exceeds a threshold, the change in {outcome} becomes markedly "
    "larger, by about {pct}%. On this basis, we propose several recommendations for improving "
    "the {application} of {obj}.",
    "{Outcome} is a key indicator for evaluating {obj}, yet the effect of {factor} on it remains "
    "unclear. Combining {method} with statistical tests, this paper studies {n} samples of {obj} "
    "from {place} systematically. The results show that each step up in {factor} changes "
    "{outcome} by {pct}% on average, and that this effect is stable across conditions. We also "
    "find that the {relation} relationship between {factor} and {outcome} became clearer after "
    "{year}. These conclusions add to theory in {field} and are of value for the {application} "
    "of {obj}.",
)


def _work(discipline: dict, shared: dict, rng: random.Random, picks: tuple[int, ...]) -> dict:
    """One piece of work: its terms (Chinese, English) and its figures."""
    obj, method, factor, outcome = picks
    return {
        "field": (discipline["zh"], discipline["en"]),
        "obj": tuple(discipline["objects"][obj]),
        "method": tuple(discipline["methods"][method]),
        "factor": tuple(discipline["factors"][factor]),
        "outcome": tuple(discipline["outcomes"][outcome]),
        "place": tuple(rng.choice(shared["places"])),
        "relation": tuple(rng.choice(shared["relations"])),
        "application": tuple(rng.choice(shared["applications"])),
        "n": str(rng.randrange(24, 960)),
        "pct": f"{rng.uniform(8, 65):.1f}",
        "year": str(rng.randrange(2008, 2021)),
    }


def _write(work: dict, template: int, chinese: bool) -> str:
    side = 0 if chinese else 1
    values = {k: (v[side] if isinstance(v, tuple) else v) for k, v in work.items()}
    if chinese:
        return ZH_TEMPLATES[template].format(**values)
    values["Outcome"] = values["outcome"][:1].upper() + values["outcome"][1:]
    return EN_TEMPLATES[template].format(**values)


def generate() -> list[dict]:
    """All pairs, deterministically: kind, discipline code, Chinese text, English text."""
    vocabulary = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    rng = random.Random(SEED)
    pairs: list[dict] = []
    for discipline in vocabulary["disciplines"]:
        for k in range(TOPICS):
            zh_picks = (k % 5, k % 4, (k + k // 5) % 4, (k + 2 * (k // 5)) % 4)
            other_picks = ((k + 2) % 5, (k + 1) % 4, (zh_picks[2] + 1) % 4, (zh_picks[3] + 1) % 4)
            zh_work = _work(discipline, vocabulary, rng, zh_picks)
            other = _work(discipline, vocabulary, rng, other_picks)
            template = k % 3
            zh = _write(zh_work, template, chinese=True)
            code = discipline["code"]
            for kind, en in (
                ("negative", _write(other, (template + 1) % 3, chinese=False)),
                ("same_template_negative", _write(other, template, chinese=False)),
                ("translation", _write(zh_work, template, chinese=False)),
            ):
                pairs.append({"kind": kind, "discipline": code, "zh": zh, "en": en})
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"regenerate {PAIRS.name}")
    args = parser.parse_args(argv)
    pairs = generate()
    negatives = [p for p in pairs if p["kind"] == "negative"]
    if args.write:
        PAIRS.write_text(
            "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in negatives), encoding="utf-8"
        )
        print(f"wrote {len(negatives)} pairs to {PAIRS}")
    stored = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    if stored != negatives:
        print(f"{PAIRS} differs from the generator: run with --write", file=sys.stderr)
        return 2
    began = time.perf_counter()
    kinds = ("negative", "same_template_negative", "translation")
    found: dict[str, list[int]] = {kind: [0, 0, 0] for kind in kinds}  # pairs, zh→en, en→zh
    for pair in pairs:
        zh, en = prepare_text(pair["zh"]), prepare_text(pair["en"])
        counts = found[pair["kind"]]
        counts[0] += 1
        counts[1] += bool(align_texts(zh, en))
        counts[2] += bool(align_texts(en, zh))
    disciplines = len({p["discipline"] for p in pairs})
    print(f"{len(pairs)} pairs over {disciplines} disciplines")
    labels = {
        "negative": "同领域不同工作 same field, different work (target 0)",
        "same_template_negative": "同模板不同工作 same template, different work (target 0)",
        "translation": "译文 translation (control: should be found)",
    }
    for kind in kinds:
        pairs_n, zh_en, en_zh = found[kind]
        print(
            f"{labels[kind]}: {pairs_n} pairs; pairs with a detection: Chinese thesis "
            f"{zh_en}, English thesis {en_zh}"
        )
    print(
        f"total {time.perf_counter() - began:.1f} s; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs (shared)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
