"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=50
)
settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared/` beside the project root; tests that need it skip when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared material not found at {SHARED_DIR} (only present in the dev setup)")
    return SHARED_DIR


@pytest.fixture(autouse=True)
def _cli_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CLI runs in tests keep their blinding key in a temporary data folder, not the checkout."""
    monkeypatch.setenv("SPOTCHECK_DATA_DIR", str(tmp_path_factory.getbasetemp() / "cli-data"))


CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _browser_unavailable(reason: str) -> NoReturn:
    """Skips on a developer machine without Chromium; fails in CI, which must run them."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI installs Debian's chromium and must run the browser tests")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """The system's headless Chromium driven by Playwright (no browser is ever downloaded)."""
    executable = shutil.which("chromium")
    if executable is None:
        _browser_unavailable("no `chromium` on PATH (Debian's chromium package provides it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS)
            )
        except Exception as exc:  # the launcher raises its own error types
            _browser_unavailable(f"playwright cannot launch {executable}: {exc}")
        yield browser
        browser.close()
