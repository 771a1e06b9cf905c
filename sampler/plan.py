"""The sampling plan: TOML with defaults, resolved into a `Plan` the manifest records in full.

Rates and multipliers are kept as exact fractions (0.1 is 1/10, not a binary float) so
that level totals such as round-half-up(N·f) never suffer from floating-point error.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from sampler.frame import canonical_header, detect_encoding

LEVELS: tuple[str, ...] = ("doctoral", "master")
DEFAULT_RATES: dict[str, Fraction] = {"doctoral": Fraction(1, 10), "master": Fraction(1, 20)}
DEFAULT_STRATA: tuple[str, ...] = ("degree_level", "institution", "degree_type", "discipline_code")
DEFAULT_SEED = 0

_TOP_KEYS = {
    "seed",
    "rates",
    "strata",
    "minimum",
    "emphasis",
    "certainty_file",
    "exclusions_file",
    "certainty",
    "exclusions",
    "supplements",
}
_EMPHASIS_KEYS = {"column", "values", "values_file", "multiplier", "label"}


class PlanError(ValueError):
    """The plan (or a file it names) is invalid; the message names the key or file."""


@dataclass(frozen=True)
class Emphasis:
    """Units whose `column` value is in `values` are drawn at `multiplier` times the rate."""

    column: str
    values: tuple[str, ...]
    multiplier: Fraction
    label: str = ""


@dataclass(frozen=True)
class IdList:
    """Thesis ids with a reason each (certainty units, exclusions), sorted by id."""

    entries: tuple[tuple[str, str], ...] = ()

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(i for i, _ in self.entries)

    def to_csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["thesis_id", "reason"])
        writer.writerows(self.entries)
        return out.getvalue().encode("utf-8")

    def sha256(self) -> str:
        return hashlib.sha256(self.to_csv()).hexdigest()


@dataclass(frozen=True)
class Plan:
    """A fully resolved plan (defaults filled in)."""

    seed: int = DEFAULT_SEED
    rates: Mapping[str, Fraction] = field(default_factory=lambda: dict(DEFAULT_RATES))
    strata: tuple[str, ...] = DEFAULT_STRATA
    minimum_per: tuple[str, ...] = ()
    minimum_count: int = 0
    minimum_wins: str = "minimum"
    emphasis: tuple[Emphasis, ...] = ()
    certainty: IdList = IdList()
    exclusions: IdList = IdList()
    supplements: tuple[Mapping[str, Fraction], ...] = ()

    def with_seed(self, seed: int) -> Plan:
        return replace(self, seed=_check_seed(seed))

    def with_id_lists(
        self, *, certainty: IdList | None = None, exclusions: IdList | None = None
    ) -> Plan:
        """The plan with its certainty and/or exclusion list replaced."""
        certainty = self.certainty if certainty is None else certainty
        exclusions = self.exclusions if exclusions is None else exclusions
        _check_disjoint(certainty, exclusions)
        return replace(self, certainty=certainty, exclusions=exclusions)

    def to_dict(self) -> dict[str, Any]:
        """The resolved plan as JSON-ready data (what the manifest records)."""
        return {
            "seed": self.seed,
            "rates": {level: float(rate) for level, rate in self.rates.items()},
            "strata": list(self.strata),
            "minimum": {
                "per": list(self.minimum_per),
                "count": self.minimum_count,
                "wins": self.minimum_wins,
            },
            "emphasis": [
                {
                    "column": e.column,
                    "values": list(e.values),
                    "multiplier": float(e.multiplier),
                    "label": e.label,
                }
                for e in self.emphasis
            ],
            "certainty": _id_list_ref(self.certainty, "certainty.csv"),
            "exclusions": _id_list_ref(self.exclusions, "exclusions.csv"),
            "supplements": [
                {"rates": {level: float(rate) for level, rate in s.items()}}
                for s in self.supplements
            ],
        }


def _check_disjoint(certainty: IdList, exclusions: IdList) -> None:
    both = certainty.ids & exclusions.ids
    if both:
        raise PlanError(f"thesis_id {sorted(both)[0]!r} is both a certainty unit and excluded")


def _id_list_ref(ids: IdList, name: str) -> dict[str, Any] | None:
    if not ids.entries:
        return None
    return {"file": name, "count": len(ids.entries), "sha256": ids.sha256()}


def _fraction(value: object, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PlanError(f"{where}: expected a number, got {value!r}")
    try:
        return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise PlanError(f"{where}: expected a number, got {value!r}") from None


def _check_seed(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PlanError(f"seed: expected a non-negative integer, got {value!r}")
    return value


def _rates(raw: object, where: str, defaults: Mapping[str, Fraction]) -> dict[str, Fraction]:
    if not isinstance(raw, Mapping):
        raise PlanError(f"{where}: expected a table like {{doctoral = 0.1, master = 0.05}}")
    unknown = set(raw) - set(LEVELS)
    if unknown:
        raise PlanError(f"{where}: unknown degree level {sorted(unknown)[0]!r} (doctoral, master)")
    rates = dict(defaults)
    for level, value in raw.items():
        rate = _fraction(value, f"{where}.{level}")
        if not 0 <= rate <= 1:
            raise PlanError(f"{where}.{level}: a rate must be between 0 and 1, got {value!r}")
        rates[level] = rate
    return rates


def _column_list(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(c, str) and c.strip() for c in raw):
        raise PlanError(f"{where}: expected a list of column names")
    names = tuple(canonical_header(c) or c.strip() for c in raw)
    if len(set(names)) != len(names):
        raise PlanError(f"{where}: a column is listed twice")
    return names


def read_id_list(data: bytes, source: str) -> IdList:
    """Reads a file of thesis ids: CSV with `thesis_id`/`论文编号` (+ optional `reason`/`原因`)
    columns, or one id per line (optionally `id,reason`)."""
    try:
        text = data.decode(detect_encoding(data)) if data.strip() else ""
    except ValueError as exc:
        raise PlanError(f"{source}: {exc}") from None
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in row)]
    id_col, reason_col, start = 0, 1, 0
    if rows and canonical_header(rows[0][0]) == "thesis_id":
        header = [h.strip().lower() for h in rows[0]]
        reason_col = next(
            (i for i, h in enumerate(header) if h in ("reason", "原因", "理由", "备注")), -1
        )
        start = 1
    entries: dict[str, str] = {}
    for offset, row in enumerate(rows[start:], start=start + 1):
        thesis_id = row[id_col].strip()
        reason = row[reason_col].strip() if 0 <= reason_col < len(row) else ""
        if not thesis_id:
            raise PlanError(f"{source}: line {offset}: empty thesis_id")
        if thesis_id in entries:
            raise PlanError(f"{source}: line {offset}: thesis_id {thesis_id!r} listed twice")
        entries[thesis_id] = reason
    return IdList(tuple(sorted(entries.items())))


def inline_id_list(raw: list[Any], where: str) -> IdList:
    """An id list written in the plan itself: `certainty = [{thesis_id = "…", reason = "…"}]`.

    (A manifest's `certainty` is a reference table, not a list; it is resolved from the
    copied file instead.)
    """
    entries: dict[str, str] = {}
    for index, item in enumerate(raw):
        at = f"{where}[{index}]"
        if not isinstance(item, Mapping) or set(item) - {"thesis_id", "reason"}:
            raise PlanError(f'{at}: expected a table {{thesis_id = "…", reason = "…"}}')
        thesis_id = str(item.get("thesis_id", "")).strip()
        if not thesis_id:
            raise PlanError(f"{at}: empty thesis_id")
        if thesis_id in entries:
            raise PlanError(f"{at}: thesis_id {thesis_id!r} listed twice")
        entries[thesis_id] = str(item.get("reason", "")).strip()
    return IdList(tuple(sorted(entries.items())))


def _read_file(path: Path, where: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PlanError(f"{where}: cannot read {path}: {exc.strerror}") from None


def _emphasis(raw: object, base_dir: Path | None) -> tuple[Emphasis, ...]:
    if not isinstance(raw, list):
        raise PlanError("emphasis: expected an array of tables ([[emphasis]])")
    rules = []
    for index, item in enumerate(raw):
        where = f"emphasis[{index}]"
        if not isinstance(item, Mapping):
            raise PlanError(f"{where}: expected a table")
        unknown = set(item) - _EMPHASIS_KEYS
        if unknown:
            raise PlanError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        if "column" not in item or "multiplier" not in item:
            raise PlanError(f"{where}: needs `column` and `multiplier`")
        column = _column_list([item["column"]], f"{where}.column")[0]
        values: list[str] = []
        if "values" in item:
            if not isinstance(item["values"], list):
                raise PlanError(f"{where}.values: expected a list of values")
            values.extend(str(v).strip() for v in item["values"])
        if "values_file" in item:
            name = str(item["values_file"])
            path = Path(name) if base_dir is None else base_dir / name
            ids = read_id_list(_read_file(path, f"{where}.values_file"), name)
            values.extend(i for i, _ in ids.entries)
        if not values:
            raise PlanError(f"{where}: needs `values` or `values_file`")
        multiplier = _fraction(item["multiplier"], f"{where}.multiplier")
        if multiplier <= 0:
            raise PlanError(f"{where}.multiplier: must be positive")
        label = str(item.get("label", ""))
        rules.append(Emphasis(column, tuple(sorted(set(values))), multiplier, label))
    return tuple(rules)


def resolve_plan(
    raw: Mapping[str, Any] | None = None,
    *,
    base_dir: Path | None = None,
    id_lists: Mapping[str, IdList] | None = None,
) -> Plan:
    """Resolves a plan given as parsed TOML/JSON data; files it names are read from `base_dir`.

    `id_lists` supplies already-read certainty/exclusion lists (used when re-performing a
    draw from its manifest, where the manifest only references them).
    """
    raw = dict(raw or {})
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise PlanError(f"unknown plan key {sorted(unknown)[0]!r}")
    seed = _check_seed(raw.get("seed", DEFAULT_SEED))
    rates = _rates(raw.get("rates", {}), "rates", DEFAULT_RATES)
    strata = _column_list(raw.get("strata", list(DEFAULT_STRATA)), "strata")
    if not strata:
        raise PlanError("strata: give at least one column")
    minimum = raw.get("minimum", {})
    if not isinstance(minimum, Mapping) or set(minimum) - {"per", "count", "wins"}:
        raise PlanError("minimum: expected a table with `per`, `count` and optionally `wins`")
    wins = minimum.get("wins", "minimum")
    if wins not in ("minimum", "total"):
        raise PlanError('minimum.wins: either "minimum" (totals grow) or "total" (kept)')
    per = _column_list(minimum.get("per", []), "minimum.per")
    count = minimum.get("count", 0)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise PlanError("minimum.count: expected a non-negative integer")
    if count and not per:
        raise PlanError("minimum.count: give `per` (the columns that define a group)")
    if "degree_level" not in strata:
        strata = ("degree_level", *strata)
    strata = strata + tuple(c for c in per if c not in strata)
    emphasis = _emphasis(raw.get("emphasis", []), base_dir)
    lists = dict(id_lists or {})
    for key in ("certainty", "exclusions"):
        file_key = f"{key}_file"
        if isinstance(raw.get(key), list):
            if file_key in raw:
                raise PlanError(f"{key}: give either an inline list or `{file_key}`, not both")
            lists[key] = inline_id_list(raw[key], key)
        if file_key in raw:
            path = Path(str(raw[file_key]))
            path = path if base_dir is None or path.is_absolute() else base_dir / path
            lists[key] = read_id_list(_read_file(path, file_key), str(raw[file_key]))
    certainty = lists.get("certainty", IdList())
    exclusions = lists.get("exclusions", IdList())
    _check_disjoint(certainty, exclusions)
    supplements_raw = raw.get("supplements", [])
    if not isinstance(supplements_raw, list):
        raise PlanError("supplements: expected a list")
    supplements = tuple(
        _rates(s.get("rates", {}) if isinstance(s, Mapping) else None, f"supplements[{i}]", {})
        for i, s in enumerate(supplements_raw)
    )
    return Plan(
        seed=seed,
        rates=rates,
        strata=strata,
        minimum_per=per,
        minimum_count=count,
        minimum_wins=wins,
        emphasis=emphasis,
        certainty=certainty,
        exclusions=exclusions,
        supplements=supplements,
    )


def load_plan_toml(text: str, *, base_dir: Path | None = None, source: str = "plan") -> Plan:
    """Parses and resolves a TOML plan."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{source}: not valid TOML: {exc}") from None
    try:
        return resolve_plan(raw, base_dir=base_dir)
    except PlanError as exc:
        raise PlanError(f"{source}: {exc}") from None


def load_plan_file(path: Path) -> Plan:
    data = _read_file(path, "plan")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanError(f"{path.name}: a plan must be UTF-8 TOML") from None
    return load_plan_toml(text, base_dir=path.parent, source=path.name)


def supplement_rates(raw: Mapping[str, Any]) -> dict[str, Fraction]:
    """The top-up rates of a supplementary plan (only `[rates]` and `seed` may be given)."""
    unknown = set(raw) - {"rates", "seed"}
    if unknown:
        raise PlanError(
            f"a supplementary plan only takes [rates]; {sorted(unknown)[0]!r} comes from the "
            "first draw"
        )
    if "rates" not in raw:
        raise PlanError("a supplementary plan needs [rates] (the top-up fractions)")
    return _rates(raw["rates"], "rates", {})
