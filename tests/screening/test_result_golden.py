"""The result JSON of a fixed `screen` run stays byte-for-byte what it was (clock aside)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.screening.golden_run import GOLDEN, run, stable

pytestmark = pytest.mark.slow


def test_screen_writes_the_golden_results(tmp_path: Path) -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = {name: stable(r) for name, r in run(tmp_path).items()}
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], name
    assert json.dumps(got, ensure_ascii=False, indent=1, sort_keys=False) + "\n" == (
        GOLDEN.read_text(encoding="utf-8")
    )
