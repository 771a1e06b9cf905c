"""A fixed screening run whose result JSON is kept as a golden file.

Demo theses of every profile (clean, moderate, heavy, own work, collusion), a Chinese
thesis translating an English corpus paper, and a corrupt PDF, screened together
against one corpus with templates. Regenerate the golden file only for an intended
change of the result format: `python -m tests.screening.golden_run`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.demo.synthetic_corpus import write_demo_materials
from corpora import Corpus
from screening.screen import ScreenSettings, screen_theses
from tests.screening.crosslingual_texts import EN_FILLER, EN_PASSAGE, ZH_FILLER, ZH_PASSAGE
from tests.screening.test_screen_crosslingual import _pdf

GOLDEN = Path(__file__).parent / "golden" / "screening-results.json"

METADATA = [
    {
        "thesis_id": f"G{i:02d}",
        "title": f"基于多源数据的第{i}类城市系统评估方法研究",
        "author": name,
        "supervisor": "周建国",
        "institution": "江南理工大学",
        "discipline_code": "0812",
    }
    for i, name in enumerate(["刘洋", "陈静", "王磊", "赵敏", "孙浩"])
]

VOLATILE = ("created_at", "software", "timings")
VOLATILE_CORPUS = ("path", "snapshot", "index_seconds")


def stable(result: dict[str, Any]) -> dict[str, Any]:
    """The result without what differs between runs (clock, software version, paths, and
    the PDF files' digests, which carry their creation time)."""
    out = {k: v for k, v in result.items() if k not in VOLATILE}
    out["thesis"] = {**result["thesis"], "sha256": len(result["thesis"]["sha256"])}
    out["corpus"] = {k: v for k, v in result["corpus"].items() if k not in VOLATILE_CORPUS}
    return out


def run(root: Path) -> dict[str, dict[str, Any]]:
    """Screens the fixed batch under `root`; the result files' JSON by file name."""
    materials = write_demo_materials(
        23, METADATA, root / "demo", corpus_documents=12, chapter_chars=1200
    )
    docs = root / "papers"
    docs.mkdir()
    _pdf(docs / "erosion-paper.pdf", [[EN_FILLER[0]], [EN_PASSAGE, EN_FILLER[1]]], chinese=False)
    corpus = Corpus.open(root / "corpus", create=True)
    corpus.add_files([materials.corpus_dir], metadata_csv=materials.corpus_metadata)
    corpus.add_files([docs])
    for t in materials.templates:
        corpus.add_template(t, institution="江南理工大学", kind="declaration")
    translated = _pdf(
        root / "translated.pdf", [[ZH_FILLER[0]], [ZH_FILLER[1], ZH_PASSAGE]], chinese=True
    )
    broken = root / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    out = root / "out"
    screen_theses(
        [*materials.thesis_files, translated, broken],
        corpus,
        ScreenSettings(isolate_extraction=False),
        out,
        metadata={m["thesis_id"]: m for m in METADATA},
    )
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))}


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        results = {name: stable(r) for name, r in run(Path(tmp)).items()}
    GOLDEN.write_text(
        json.dumps(results, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {GOLDEN} ({len(results)} results)")
