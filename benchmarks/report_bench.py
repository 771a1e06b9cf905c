"""Benchmark: the HTML report of a 300-page thesis with 2,000 matched passages.

Generates a synthetic screening result (about 600,000 characters of Chinese text, 60
sources, passages of every class, some overlapping), renders the report, then opens it
in headless Chromium (the system's `chromium`) and prints:

- generation time (result dict -> HTML string) and HTML size;
- browser load + first render time (navigation start -> two animation frames after load),
  target: under 3 s;
- time to filter the report by one source (the inline script), and to print it to PDF.

Run: .venv/bin/python benchmarks/report_bench.py [--pages 300] [--passages 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.report import render_thesis_report  # noqa: E402
from screening.report.model import covered_counts  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VOCABULARY = [
    "研究",
    "方法",
    "模型",
    "数据",
    "分析",
    "结果",
    "系统",
    "理论",
    "实验",
    "问题",
    "特征",
    "网络",
    "学习",
    "算法",
    "性能",
    "结构",
    "过程",
    "影响",
    "因素",
    "发展",
    "技术",
    "设计",
    "实现",
    "评价",
    "优化",
    "信息",
    "控制",
    "机制",
    "社会",
    "经济",
    "企业",
    "管理",
    "教育",
    "文化",
    "我们",
    "本文",
    "提出",
    "一种",
    "基于",
    "通过",
    "采用",
    "进行",
    "表明",
    "显著",
    "提高",
    "有效",
    "相关",
    "重要",
    "不同",
    "主要",
    "条件",
]
PUNCTUATION = ["，", "，", "。", "；", "、"]
CLASSES = ("identical", "minor_changes", "paraphrase")


def synthetic_text(rng: np.random.Generator, characters: int) -> str:
    words = rng.choice(VOCABULARY, size=characters // 2)
    marks = rng.random(words.size) < 0.12
    glue = np.where(marks, rng.choice(PUNCTUATION, size=words.size), "")
    pieces = np.char.add(words, glue)
    text = "".join(pieces.tolist())[:characters]
    return text


def mutate(rng: np.random.Generator, text: str, rate: float) -> str:
    chars = np.array(list(text))
    hit = rng.random(chars.size) < rate
    chars[hit] = rng.choice(list("的了是在和与及其该此"), size=int(hit.sum()))
    return "".join(chars.tolist())


def synthetic_result(pages: int, passages: int, seed: int = 7) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    per_page = 2000
    body = synthetic_text(rng, pages * per_page)
    lines = [body[i : i + 80] for i in range(0, len(body), 80)]
    text = "\n".join(lines)
    page_starts = [min(i * (len(text) // pages), len(text)) for i in range(pages)]
    chapter_bounds = np.linspace(0, len(text), 9).astype(int).tolist()
    sections = [
        {"kind": "chapter", "title": f"第{i + 1}章 研究内容{i + 1}", "start": a, "end": b}
        for i, (a, b) in enumerate(zip(chapter_bounds, chapter_bounds[1:], strict=False))
    ]
    n_sources = 60
    starts = np.sort(rng.integers(0, len(text) - 500, size=passages))
    lengths = rng.integers(40, 400, size=passages)
    source_of = rng.zipf(1.6, size=passages) % n_sources
    out_passages = []
    for start, length, source in zip(
        starts.tolist(), lengths.tolist(), source_of.tolist(), strict=True
    ):
        end = min(start + length, len(text))
        cls = CLASSES[int(rng.integers(0, 3))]
        excluded = "quote" if rng.random() < 0.05 else None
        passage = text[start:end]
        source_text = (
            passage
            if cls == "identical"
            else mutate(rng, passage, 0.05 if cls == "minor_changes" else 0.3)
        )
        out_passages.append(
            {
                "thesis_start": start,
                "thesis_end": end,
                "source_id": f"src-{source:03d}",
                "source_start": start // 3,
                "source_end": start // 3 + len(source_text),
                "class": cls,
                "similarity": 1.0
                if cls == "identical"
                else round(float(rng.uniform(0.6, 0.97)), 3),
                "source_text": source_text,
                "in_quote": excluded == "quote",
                "in_references": False,
                "excluded": excluded,
            }
        )
    total = len(text)
    counted = [(p["thesis_start"], p["thesis_end"]) for p in out_passages if not p["excluded"]]
    repeated = int(covered_counts(total, counted)[-1])
    sources = []
    for s in range(n_sources):
        mine = [
            (p["thesis_start"], p["thesis_end"])
            for p in out_passages
            if p["source_id"] == f"src-{s:03d}" and not p["excluded"]
        ]
        chars = int(covered_counts(total, mine)[-1]) if mine else 0
        sources.append(
            {
                "id": f"src-{s:03d}",
                "title": f"参考文献标题 {s}：{synthetic_text(rng, 12)}",
                "file": f"source-{s:03d}.pdf",
                "characters": chars,
                "share": chars / total,
                "authors": ["作者甲", "作者乙"],
                "year": 2010 + s % 14,
                "type": "article",
                "own_work": s == 5,
                "origin": "corpus" if s % 7 else "batch",
            }
        )
    sources.sort(key=lambda s: -s["share"])
    return {
        "schema_version": "1",
        "created_at": "2026-11-27T08:00:00+00:00",
        "software": {"name": "spotcheck", "version": "bench"},
        "thesis": {
            "file": "bench.pdf",
            "characters": total,
            "pages": pages,
            "status": "ok",
            "metadata": {
                "title": "基准测试论文",
                "author": "张三",
                "supervisor": "李四",
                "institution": "某某大学",
                "thesis_id": "BENCH-1",
                "discipline_code": "0812",
                "degree_level": "doctoral",
                "degree_type": "academic",
            },
            "text": text,
            "page_starts": page_starts,
            "sections": sections,
        },
        "settings": {
            "exclude_quotes": True,
            "exclude_references": True,
            "min_match_characters": 13,
        },
        "figures": {
            "total_copy_ratio": repeated / total,
            "copy_ratio_excluding_quotes": repeated / total,
            "copy_ratio_excluding_references": repeated / total,
            "copy_ratio_excluding_own": repeated / total,
            "max_single_source_ratio": sources[0]["share"],
            "repeated_characters": repeated,
            "total_characters": total,
        },
        "flag": {"level": "suspected_misconduct", "reasons": ["基准 benchmark"]},
        "sources": sources,
        "passages": out_passages,
    }


def measure_browser(path: Path, pdf: bool) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        print("browser: skipped (no `chromium` on PATH)")
        return {}
    figures: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        started = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load")
        rendered = page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
            "() => r(performance.now()))))"
        )
        figures["load_render_wall_s"] = time.perf_counter() - started
        figures["load_render_browser_s"] = rendered / 1000
        figures["scroll_to_last_pair_s"] = _timed(
            lambda: page.evaluate(
                "() => new Promise(r => { const all = document.querySelectorAll('article.pair');"
                " all[all.length - 1].scrollIntoView();"
                " requestAnimationFrame(() => requestAnimationFrame(r)); })"
            )
        )
        figures["filter_by_source_s"] = _timed(
            lambda: page.evaluate(
                "() => new Promise(r => { document.querySelector('button.flt').click();"
                " requestAnimationFrame(() => requestAnimationFrame(r)); })"
            )
        )
        if pdf:
            target = path.with_suffix(".pdf")
            figures["print_pdf_s"] = _timed(lambda: page.pdf(path=str(target), format="A4"))
            figures["pdf_mb"] = target.stat().st_size / 1e6
        browser.close()
    return figures


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--passages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="browser loads to time (best kept)")
    parser.add_argument("--pdf", action="store_true", help="also time printing to PDF")
    parser.add_argument("--keep", type=Path, help="keep the generated HTML in this folder")
    args = parser.parse_args()

    result = synthetic_result(args.pages, args.passages)
    print(
        f"thesis: {args.pages} pages, {result['thesis']['characters']:,} characters, "
        f"{len(result['passages'])} passages, {len(result['sources'])} sources"
    )
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        html = render_thesis_report(result)
        timings.append(time.perf_counter() - started)
    print(f"generation: {min(timings):.2f} s (best of 3; median {sorted(timings)[1]:.2f} s)")
    print(f"html size: {len(html.encode('utf-8')) / 1e6:.1f} MB")
    started = time.perf_counter()
    render_thesis_report(result, blind=True)
    print(f"generation, blind copy: {time.perf_counter() - started:.2f} s")

    folder = args.keep or Path(tempfile.mkdtemp(prefix="report-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench-report.html"
    path.write_text(html, encoding="utf-8")
    runs = [measure_browser(path, pdf=args.pdf and i == 0) for i in range(args.runs)]
    runs = [r for r in runs if r]
    if runs:
        best = min(runs, key=lambda r: r["load_render_wall_s"])
        for key in ("load_render_wall_s", "load_render_browser_s"):
            values = ", ".join(f"{r[key]:.2f}" for r in runs)
            print(f"browser {key}: best {best[key]:.2f} s (runs: {values})")
        print(f"browser scroll to last side-by-side pair: {best['scroll_to_last_pair_s']:.2f} s")
        print(f"browser filter by one source: {best['filter_by_source_s']:.2f} s")
        if "print_pdf_s" in runs[0]:
            print(
                f"browser print to PDF: {runs[0]['print_pdf_s']:.1f} s, {runs[0]['pdf_mb']:.1f} MB"
            )
        verdict = "met" if best["load_render_wall_s"] < 3 else "NOT met"
        print(f"target < 3 s load + render: {verdict}")
    if args.keep is None:
        shutil.rmtree(folder)
    else:
        print(f"kept: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
