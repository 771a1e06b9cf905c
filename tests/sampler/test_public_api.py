"""The sampler's public surface is what `__all__` says, and every name exists."""

from __future__ import annotations

from pathlib import Path

import sampler

EXPECTED = {
    "ALGORITHM", "DrawDirectoryError", "DrawResult", "EstimateInputError", "Frame", "FrameError",
    "FrameProblem", "IdList", "OutputError", "Plan", "PlanError", "RateEstimate", "ReviewedUnit",
    "StratumResult", "VerifyReport", "draw_sample", "estimate_rates", "load_frame",
    "load_frame_bytes", "load_plan_file", "load_plan_toml", "read_id_list", "read_reviewed_sample",
    "render_outputs", "render_summary", "resolve_plan", "supplement_plan", "supplement_rates",
    "verify_draw", "write_estimates", "write_outputs",
}  # fmt: skip


def test_exported_members_are_pinned() -> None:
    assert set(sampler.__all__) == EXPECTED
    for name in sampler.__all__:
        assert getattr(sampler, name) is not None


def test_domain_code_has_no_web_or_database_imports() -> None:
    package = Path(sampler.__file__).parent
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "import fastapi" not in text and "sqlalchemy" not in text, source
