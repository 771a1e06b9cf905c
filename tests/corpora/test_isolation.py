"""Untrusted extraction in a worker process: time limit, memory limit, crashes, restarts."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from corpora.extract import ExtractionLimits, extract_file
from corpora.isolation import IsolatedExtractor, extract_isolated
from tests.corpora.broken_files import bomb_pdf
from tests.corpora.thesis_factory import ThesisSpec, build_thesis_pdf


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = ThesisSpec(chapters=5, paragraphs_per_chapter=40, seed=9)
    return build_thesis_pdf(tmp_path_factory.mktemp("iso") / "long.pdf", spec)


def test_isolated_result_equals_in_process_result(zh_thesis_pdf: Path) -> None:
    isolated = extract_isolated(zh_thesis_pdf, metadata={"thesis_id": "X1"})
    local = extract_file(zh_thesis_pdf, metadata={"thesis_id": "X1"})
    assert isolated == local
    assert (isolated.origin == local.origin).all()


def test_time_limit_stops_the_worker_and_the_next_file_still_works(
    long_pdf: Path, zh_thesis_pdf: Path
) -> None:
    with IsolatedExtractor(ExtractionLimits(timeout_seconds=0.05)) as extractor:
        started = time.monotonic()
        doc = extractor.extract(long_pdf)
        assert doc.status == "too_large" and "time limit" in (doc.reason or "")
        assert doc.text == ""
        assert time.monotonic() - started < 30
        extractor.limits = ExtractionLimits()
        assert extractor.extract(zh_thesis_pdf).status == "ok"


def test_a_crashed_worker_gives_corrupt_and_is_replaced(
    long_pdf: Path, zh_thesis_pdf: Path
) -> None:
    with IsolatedExtractor() as extractor:
        assert extractor.extract(zh_thesis_pdf).status == "ok"
        pid = extractor.pid
        assert pid is not None
        killer = threading.Timer(0.2, os.kill, args=(pid, signal.SIGKILL))
        killer.start()
        try:
            doc = extractor.extract(long_pdf)
        finally:
            killer.cancel()
        assert doc.status == "corrupt" and "SIGKILL" in (doc.reason or "")
        assert extractor.extract(zh_thesis_pdf).status == "ok"
        assert extractor.pid != pid


def test_one_worker_serves_many_files_until_its_request_budget_is_spent(
    zh_thesis_pdf: Path,
) -> None:
    with IsolatedExtractor(max_requests=3) as extractor:
        pids = []
        for _ in range(3):
            assert extractor.extract(zh_thesis_pdf).status == "ok"
            pids.append(extractor.pid)
        assert pids[0] is not None and pids[0] == pids[1]
        assert pids[2] is None  # the third file spent the budget: that worker is gone
        assert extractor.extract(zh_thesis_pdf).status == "ok"
        assert extractor.pid not in (None, pids[0])


@pytest.mark.slow
def test_memory_limit_turns_a_decompression_bomb_into_too_large(
    tmp_path: Path, zh_thesis_pdf: Path
) -> None:
    bomb = bomb_pdf(tmp_path / "bomb.pdf", 200 << 20)
    with IsolatedExtractor(ExtractionLimits(memory_bytes=300 << 20)) as extractor:
        doc = extractor.extract(bomb)
        assert doc.status == "too_large" and "memory" in (doc.reason or "")
        assert extractor.pid is None  # never reused after hitting a limit
        assert extractor.extract(zh_thesis_pdf).status == "ok"


def test_missing_file_is_an_error_not_a_status(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        extract_isolated(tmp_path / "nothing.pdf")


def test_files_with_pages_to_ocr_get_a_longer_but_bounded_time_budget() -> None:
    limits = ExtractionLimits(timeout_seconds=100, ocr_page_seconds=10, max_ocr_seconds=500)
    assert limits.time_budget(0) == 100
    assert limits.time_budget(10) == 200
    assert limits.time_budget(2000) == 500
    assert ExtractionLimits(timeout_seconds=900, max_ocr_seconds=500).time_budget(5) == 900
