"""Re-performing a draw from its manifest: verification and supplementary draws.

A draw directory is self-contained: manifest.json records the resolved plan, and the
certainty and exclusion lists it references are copied beside it. Given the frame,
anyone can re-perform the draw and compare the outputs byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from sampler.draw import draw_sample
from sampler.frame import Frame
from sampler.outputs import render_outputs
from sampler.plan import IdList, Plan, PlanError, read_id_list, resolve_plan

COMPARED_FILES: tuple[str, ...] = (
    "sample.csv",
    "allocation.csv",
    "certainty.csv",
    "exclusions.csv",
)
COMPARED_MANIFEST_FIELDS: tuple[str, ...] = (
    "seed",
    "plan",
    "population",
    "sample_size",
    "levels",
    "algorithm",
)


class DrawDirectoryError(ValueError):
    """The draw directory is missing files or its manifest is unreadable."""


def read_manifest(draw_dir: Path) -> dict[str, Any]:
    path = Path(draw_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DrawDirectoryError(f"{path}: no manifest.json (not a draw directory)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DrawDirectoryError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("plan"), dict):
        raise DrawDirectoryError(f"{path}: the manifest has no plan")
    return manifest


def plan_from_manifest(manifest: Mapping[str, Any], draw_dir: Path) -> Plan:
    """The plan a manifest records, with its certainty/exclusion lists read from `draw_dir`."""
    raw = dict(manifest["plan"])
    id_lists: dict[str, IdList] = {}
    for key in ("certainty", "exclusions"):
        ref = raw.pop(key, None)
        if not ref:
            continue
        path = Path(draw_dir) / str(ref.get("file", f"{key}.csv"))
        try:
            data = path.read_bytes()
        except OSError:
            raise DrawDirectoryError(f"{path}: missing (the manifest lists {key})") from None
        ids = read_id_list(data, path.name)
        if ids.sha256() != ref.get("sha256"):
            raise DrawDirectoryError(f"{path}: content differs from the manifest's sha256")
        id_lists[key] = ids
    try:
        return resolve_plan(raw, id_lists=id_lists)
    except PlanError as exc:
        raise DrawDirectoryError(f"{draw_dir}/manifest.json: plan: {exc}") from None


@dataclass(frozen=True)
class FileCheck:
    name: str
    status: str  # "identical", "differs", "missing", "unexpected"


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of re-performing a draw: `ok` when every compared file and field matches."""

    files: tuple[FileCheck, ...]
    manifest_differences: tuple[str, ...]
    frame_sha256_matches: bool
    recorded_version: str
    current_version: str

    @property
    def ok(self) -> bool:
        return all(f.status == "identical" for f in self.files) and not self.manifest_differences

    def lines(self) -> list[str]:
        out = [f"{f.name}: {f.status}" for f in self.files]
        out += [f"manifest.json: {field} differs" for field in self.manifest_differences]
        if not self.manifest_differences:
            out.append("manifest.json: seed, plan, totals and algorithm identical")
        out.append(
            "frame: same bytes as recorded (sha256 matches)"
            if self.frame_sha256_matches
            else "frame: bytes differ from the recorded sha256 (re-ordered, re-encoded or "
            "changed); the draw was re-performed on this file's content"
        )
        if self.recorded_version != self.current_version:
            out.append(
                f"software: recorded {self.recorded_version}, running {self.current_version}"
            )
        return out


def verify_draw(frame: Frame, draw_dir: Path, version: str) -> VerifyReport:
    """Re-performs the draw recorded in `draw_dir` on `frame` and compares the outputs."""
    draw_dir = Path(draw_dir)
    manifest = read_manifest(draw_dir)
    plan = plan_from_manifest(manifest, draw_dir)
    files = render_outputs(draw_sample(frame, plan), version)
    checks = []
    for name in COMPARED_FILES:
        path = draw_dir / name
        expected = files.get(name)
        if expected is None:
            if path.exists():
                checks.append(FileCheck(name, "unexpected"))
            continue
        if not path.exists():
            checks.append(FileCheck(name, "missing"))
            continue
        same = path.read_bytes() == expected
        checks.append(FileCheck(name, "identical" if same else "differs"))
    recomputed = json.loads(files["manifest.json"])
    differences = tuple(
        field for field in COMPARED_MANIFEST_FIELDS if manifest.get(field) != recomputed[field]
    )
    return VerifyReport(
        files=tuple(checks),
        manifest_differences=differences,
        frame_sha256_matches=manifest.get("frame_sha256") == frame.sha256,
        recorded_version=str(manifest.get("version", "")),
        current_version=version,
    )


def supplement_plan(
    frame: Frame, previous_dir: Path, rates: Mapping[str, Fraction], version: str
) -> Plan:
    """The plan of a supplementary draw on top of the draw in `previous_dir`.

    The previous draw is re-performed first and must reproduce its sample.csv exactly, so
    the top-up is drawn from exactly the units it left unselected.
    """
    manifest = read_manifest(previous_dir)
    plan = plan_from_manifest(manifest, previous_dir)
    previous = render_outputs(draw_sample(frame, plan), version)["sample.csv"]
    try:
        recorded = (Path(previous_dir) / "sample.csv").read_bytes()
    except OSError:
        raise DrawDirectoryError(f"{previous_dir}/sample.csv: missing") from None
    if hashlib.sha256(previous).digest() != hashlib.sha256(recorded).digest():
        raise DrawDirectoryError(
            f"{previous_dir}: re-performing the previous draw on this frame does not reproduce "
            "its sample.csv (different frame content or plan); no supplement drawn"
        )
    return replace(plan, supplements=(*plan.supplements, dict(rates)))
