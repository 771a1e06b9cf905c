"""The draw: strata, allocation, minimums, supplements, certainty units and selection.

Order of work (each step documented in docs/sampling.md):

1. exclusions leave the frame; certainty units form a take-all stratum per level;
2. the other units are grouped into strata (plan columns × emphasis multiplier);
3. per level, n_l = round-half-up(f_l · Σ N_h·m_h) is shared in proportion to N_h·m_h
   (capped at N_h) and rounded with seeded controlled rounding;
4. groups below the plan's minimum get extra units, lowest sampling fraction first;
5. each supplementary draw shares its own top-up the same way among the unselected units;
6. inside a stratum the units with the smallest seeded keys are taken, so every draw
   extends the previous one and the union is a simple random sample of its size.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from sampler.allocate import allocate_proportional, round_controlled, round_half_up
from sampler.frame import Frame, gc_paused
from sampler.plan import LEVELS, Plan, PlanError
from sampler.select import (
    comb_offset,
    has_collisions,
    rank_within_strata,
    stratum_order,
    unit_keys,
)

ALGORITHM = (
    "spotcheck-stratified-v1: proportional allocation with seeded systematic controlled "
    "rounding; within-stratum selection of the smallest BLAKE2b(seed, thesis_id) keys"
)
CERTAINTY = "certainty"
RESERVED_COLUMNS: tuple[str, ...] = (
    "stratum",
    "inclusion_probability",
    "design_weight",
    "selection",
    "draw",
    "certainty_reason",
)


@dataclass(frozen=True)
class StratumResult:
    """One stratum of the draw: its key, population and realised sample size."""

    key: tuple[str, ...]
    label: str
    level: str
    multiplier: Fraction
    certainty: bool
    population: int
    expected: Fraction
    stage_sizes: tuple[int, ...]
    minimum_added: int

    @property
    def sample_size(self) -> int:
        return sum(self.stage_sizes)

    @property
    def inclusion_probability(self) -> Fraction:
        """The realised fraction n_h / N_h (what the outputs report)."""
        return Fraction(self.sample_size, self.population) if self.population else Fraction(0)


@dataclass(frozen=True)
class LevelSummary:
    """Totals of one degree level."""

    level: str
    population: int
    certainty: int
    target: int
    minimum_added: int
    supplement_sizes: tuple[int, ...]
    sample_size: int


@dataclass(frozen=True)
class DrawResult:
    """Everything the outputs are written from. Selected units are sorted by thesis_id."""

    frame: Frame
    plan: Plan
    strata: tuple[StratumResult, ...]
    levels: tuple[LevelSummary, ...]
    selected_rows: np.ndarray
    selected_strata: np.ndarray
    selected_stage: np.ndarray
    excluded: int
    exclusions_not_in_frame: int

    @property
    def population(self) -> int:
        return sum(level.population for level in self.levels)

    @property
    def sample_size(self) -> int:
        return len(self.selected_rows)


def _rows_with_ids(ids: list[str], wanted: frozenset[str]) -> list[int]:
    return [i for i, v in enumerate(ids) if v in wanted] if wanted else []


def _check_columns(frame: Frame, plan: Plan) -> None:
    available = set(frame.columns)
    clash = sorted(available & set(RESERVED_COLUMNS))
    if clash:
        raise PlanError(
            f"the frame has a column named {clash[0]!r}, which the sample adds; rename it"
        )
    for where, names in (
        ("strata", plan.strata),
        ("minimum.per", plan.minimum_per),
        ("emphasis", tuple(e.column for e in plan.emphasis)),
    ):
        for name in names:
            if name not in available:
                raise PlanError(f"{where}: the frame has no column {name!r}")


def factorise(columns: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Each row's group index (int64 array) and the distinct key tuples, in sorted order."""
    n_rows = len(columns[0])
    combined = np.zeros(n_rows, dtype=np.int64)
    uniques: list[list[str]] = []
    radix = 1
    for column in columns:
        distinct = sorted(set(column))
        radix *= max(len(distinct), 1)
        if radix >= 2**62:
            return _factorise_tuples(columns)
        index = {value: i for i, value in enumerate(distinct)}
        codes = np.fromiter(map(index.__getitem__, column), dtype=np.int64, count=n_rows)
        combined = combined * len(distinct) + codes
        uniques.append(distinct)
    values, inverse = np.unique(combined, return_inverse=True)
    keys = []
    for value in values.tolist():
        parts = []
        for distinct in reversed(uniques):
            value, code = divmod(value, len(distinct))
            parts.append(distinct[code])
        keys.append(tuple(reversed(parts)))
    return inverse.reshape(-1).astype(np.int64), keys


def _factorise_tuples(columns: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    index: dict[tuple[str, ...], int] = {}
    setdefault = index.setdefault
    codes = [setdefault(t, len(index)) for t in zip(*columns, strict=True)]
    return np.array(codes, dtype=np.int64), list(index)


def _multiplier_label(multiplier: Fraction) -> str:
    return f"x{float(multiplier):g}"


def draw_sample(frame: Frame, plan: Plan) -> DrawResult:
    """Performs the draw the plan describes on a validated frame."""
    _check_columns(frame, plan)
    with gc_paused():
        return _draw(frame, plan)


def _draw(frame: Frame, plan: Plan) -> DrawResult:
    data = frame.data
    ids = data["thesis_id"]
    levels_col = data["degree_level"]
    n_rows = len(ids)

    excluded_rows = _rows_with_ids(ids, plan.exclusions.ids)
    certainty_rows = _rows_with_ids(ids, plan.certainty.ids)
    if len(certainty_rows) != len(plan.certainty.entries):
        found = {ids[i] for i in certainty_rows}
        missing = sorted(plan.certainty.ids - found)
        raise PlanError(f"certainty: thesis_id {missing[0]!r} is not in the frame")
    random_mask = np.ones(n_rows, dtype=bool)
    random_mask[excluded_rows] = False
    random_mask[certainty_rows] = False

    classes, unit_class = _unit_multipliers(frame, plan)

    key_columns = [data[c] for c in plan.strata]
    if len(classes) > 1:
        key_columns.append(unit_class)
    unit_stratum, keys = factorise(key_columns)
    random_rows = np.flatnonzero(random_mask)
    level_pos = plan.strata.index("degree_level")
    unit_stratum[~random_mask] = -1
    populations = np.bincount(unit_stratum[random_mask], minlength=len(keys))

    def natural_key(k: tuple[str, ...]) -> tuple[str, ...]:
        return k[: len(plan.strata)]

    def multiplier_of(k: tuple[str, ...]) -> Fraction:
        return classes[int(k[-1])] if len(classes) > 1 else classes[0]

    def label_of(k: tuple[str, ...]) -> str:
        m = multiplier_of(k)
        base = "|".join(natural_key(k))
        return base if m == 1 else f"{base}|{_multiplier_label(m)}"

    live = [h for h in range(len(keys)) if populations[h] > 0]
    labels = {h: label_of(keys[h]) for h in live}
    by_level: dict[str, list[int]] = {level: [] for level in LEVELS}
    for h in live:
        by_level[keys[h][level_pos]].append(h)

    sizes: dict[int, list[int]] = {h: [] for h in live}
    expected: dict[int, Fraction] = {h: Fraction(0) for h in live}
    targets: dict[str, int] = {}
    stages = [
        ("main", plan.rates),
        *((f"supplement-{k + 1}", r) for k, r in enumerate(plan.supplements)),
    ]
    minimum_added: dict[int, int] = {h: 0 for h in live}
    for stage_number, (stage, rates) in enumerate(stages):
        for level in LEVELS:
            members = by_level[level]
            if not members:
                continue
            rate = Fraction(rates.get(level, 0))
            measure = [int(populations[h]) * multiplier_of(keys[h]) for h in members]
            taken = [sum(sizes[h]) for h in members]
            capacity = [int(populations[h]) - t for h, t in zip(members, taken, strict=True)]
            target = min(round_half_up(rate * sum(measure, Fraction(0))), sum(capacity))
            shares = allocate_proportional(measure, target, capacity)
            order_labels = [labels[h] for h in members]
            order = stratum_order(plan.seed, stage, order_labels)
            rounded = round_controlled(shares, order, comb_offset(plan.seed, stage, level))
            for h, share, n in zip(members, shares, rounded, strict=True):
                sizes[h].append(n)
                expected[h] += share
            if stage_number == 0:
                targets[level] = target
        if stage_number == 0 and plan.minimum_count:
            minimum_added = _apply_minimums(
                frame, plan, keys, live, populations, sizes, labels, certainty_rows
            )

    selected_rows, selected_strata, selected_stage = _select(
        plan, ids, unit_stratum, random_rows, sizes
    )

    certainty_keys: dict[str, int] = {}
    certainty_results: list[StratumResult] = []
    for level in LEVELS:
        count = sum(1 for i in certainty_rows if levels_col[i] == level)
        if count:
            key = tuple(level if c == "degree_level" else "" for c in plan.strata)
            certainty_keys[level] = len(keys) + len(certainty_results)
            certainty_results.append(
                StratumResult(
                    key, f"{level}|{CERTAINTY}", level, Fraction(1), True, count,
                    Fraction(count), (count,) + (0,) * len(plan.supplements), 0,
                )
            )  # fmt: skip
    strata_results = {
        h: StratumResult(
            key=natural_key(keys[h]),
            label=labels[h],
            level=keys[h][level_pos],
            multiplier=multiplier_of(keys[h]),
            certainty=False,
            population=int(populations[h]),
            expected=expected[h],
            stage_sizes=tuple(sizes[h]),
            minimum_added=minimum_added.get(h, 0),
        )
        for h in live
    }
    for index, result in enumerate(certainty_results):
        strata_results[len(keys) + index] = result

    if certainty_rows:
        c_rows = np.array(certainty_rows, dtype=np.int64)
        c_strata = np.array([certainty_keys[levels_col[i]] for i in certainty_rows], np.int64)
        selected_rows = np.concatenate([selected_rows, c_rows])
        selected_strata = np.concatenate([selected_strata, c_strata])
        selected_stage = np.concatenate([selected_stage, np.zeros(len(c_rows), np.int64)])
    order = sorted(range(len(selected_rows)), key=lambda j: ids[selected_rows[j]])
    order_arr = np.array(order, dtype=np.int64)

    ordered_ids = sorted(
        strata_results, key=lambda h: (strata_results[h].key, strata_results[h].label)
    )
    remap = {old: new for new, old in enumerate(ordered_ids)}
    final_strata = tuple(strata_results[h] for h in ordered_ids)
    remapped = np.array([remap[int(h)] for h in selected_strata[order_arr]], dtype=np.int64)

    level_summaries = []
    for level in LEVELS:
        level_strata = [s for s in final_strata if s.level == level]
        if not level_strata:
            continue
        random_strata = [s for s in level_strata if not s.certainty]
        level_summaries.append(
            LevelSummary(
                level=level,
                population=sum(s.population for s in level_strata),
                certainty=sum(s.population for s in level_strata if s.certainty),
                target=targets.get(level, 0),
                minimum_added=sum(s.minimum_added for s in random_strata),
                supplement_sizes=tuple(
                    sum(s.stage_sizes[k] for s in random_strata) for k in range(1, len(stages))
                ),
                sample_size=sum(s.sample_size for s in level_strata),
            )
        )
    return DrawResult(
        frame=frame,
        plan=plan,
        strata=final_strata,
        levels=tuple(level_summaries),
        selected_rows=selected_rows[order_arr] if len(order_arr) else selected_rows,
        selected_strata=remapped,
        selected_stage=selected_stage[order_arr] if len(order_arr) else selected_stage,
        excluded=len(excluded_rows),
        exclusions_not_in_frame=len(plan.exclusions.entries) - len(excluded_rows),
    )


def _unit_multipliers(frame: Frame, plan: Plan) -> tuple[list[Fraction], list[str]]:
    """The distinct rate multipliers (sorted) and each unit's class, as a string index.

    A unit's multiplier is the largest of the emphasis rules it matches, else 1.
    """
    if not plan.emphasis:
        return [Fraction(1)], []
    best: list[Fraction | None] = [None] * len(frame)
    for rule in plan.emphasis:
        wanted = set(rule.values)
        for i, value in enumerate(frame.data[rule.column]):
            if value in wanted:
                current = best[i]
                best[i] = rule.multiplier if current is None else max(current, rule.multiplier)
    classes = sorted({m for m in best if m is not None} | {Fraction(1)})
    index = {m: str(i) for i, m in enumerate(classes)}
    one = index[Fraction(1)]
    return classes, [one if m is None else index[m] for m in best]


def _apply_minimums(
    frame: Frame,
    plan: Plan,
    keys: Sequence[tuple[str, ...]],
    live: Sequence[int],
    populations: np.ndarray,
    sizes: dict[int, list[int]],
    labels: dict[int, str],
    certainty_rows: Sequence[int],
) -> dict[int, int]:
    """Raises every group (plan `minimum.per`) of at least `count` units to `count` sampled.

    Extra units go one at a time to the group's stratum with the lowest sampling
    fraction (ties by a seeded order). With `minimum.wins = "minimum"` the level totals
    grow by what is added; with `"total"` as many units are taken back from the level's
    other strata, highest sampling fraction first, never below a group's minimum.
    Returns each stratum's net change.
    """
    positions = [plan.strata.index(c) for c in plan.minimum_per]
    per_columns = [frame.data[c] for c in plan.minimum_per]

    def group_of_key(key: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(key[p] for p in positions)

    group_population: dict[tuple[str, ...], int] = {}
    group_sampled: dict[tuple[str, ...], int] = {}
    group_strata: dict[tuple[str, ...], list[int]] = {}
    for h in live:
        group = group_of_key(keys[h])
        group_population[group] = group_population.get(group, 0) + int(populations[h])
        group_sampled[group] = group_sampled.get(group, 0) + sizes[h][0]
        group_strata.setdefault(group, []).append(h)
    for i in certainty_rows:
        group = tuple(col[i] for col in per_columns)
        group_population[group] = group_population.get(group, 0) + 1
        group_sampled[group] = group_sampled.get(group, 0) + 1
    order = stratum_order(plan.seed, "minimum", [labels[h] for h in live])
    order_of = {live[index]: position for position, index in enumerate(order)}
    added: dict[int, int] = {}
    for group in sorted(group_population):
        deficit = min(plan.minimum_count, group_population[group]) - group_sampled[group]
        if group_population[group] < plan.minimum_count or deficit <= 0:
            continue
        heap = [
            (Fraction(sizes[h][0], int(populations[h])), order_of[h], h)
            for h in group_strata.get(group, [])
            if sizes[h][0] < populations[h]
        ]
        heapq.heapify(heap)
        while deficit > 0 and heap:
            _, tie, h = heapq.heappop(heap)
            sizes[h][0] += 1
            added[h] = added.get(h, 0) + 1
            deficit -= 1
            group_sampled[group] += 1
            if sizes[h][0] < populations[h]:
                heapq.heappush(heap, (Fraction(sizes[h][0], int(populations[h])), tie, h))
    if plan.minimum_wins == "total" and added:
        level_pos = plan.strata.index("degree_level")
        required = {
            g: min(plan.minimum_count, pop) if pop >= plan.minimum_count else 0
            for g, pop in group_population.items()
        }
        for level in sorted({keys[h][level_pos] for h in added}):
            surplus = sum(n for h, n in added.items() if keys[h][level_pos] == level)
            heap = [
                (-Fraction(sizes[h][0], int(populations[h])), order_of[h], h)
                for h in live
                if keys[h][level_pos] == level and h not in added and sizes[h][0] > 0
            ]
            heapq.heapify(heap)
            while surplus > 0 and heap:
                _, tie, h = heapq.heappop(heap)
                group = group_of_key(keys[h])
                if group_sampled[group] <= required[group]:
                    continue
                sizes[h][0] -= 1
                group_sampled[group] -= 1
                added[h] = added.get(h, 0) - 1
                surplus -= 1
                if sizes[h][0] > 0:
                    heapq.heappush(heap, (-Fraction(sizes[h][0], int(populations[h])), tie, h))
    return added


def _select(
    plan: Plan,
    ids: list[str],
    unit_stratum: np.ndarray,
    random_rows: np.ndarray,
    sizes: dict[int, list[int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Takes, in each stratum, the units with the smallest keys; stage = which draw took them."""
    if len(random_rows) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    random_ids = [ids[i] for i in random_rows]
    keys = unit_keys(plan.seed, random_ids)
    tiebreak = None
    if has_collisions(keys):
        tiebreak = np.empty(len(random_ids), dtype=np.int64)
        by_id = sorted(range(len(random_ids)), key=random_ids.__getitem__)
        tiebreak[np.array(by_id, dtype=np.int64)] = np.arange(len(random_ids))
    strata = unit_stratum[random_rows]
    ranks = rank_within_strata(strata, keys, tiebreak)
    n_strata = int(strata.max()) + 1
    n_stages = 1 + len(plan.supplements)
    bounds = np.zeros((n_strata, n_stages), dtype=np.int64)
    for h, stage_sizes in sizes.items():
        bounds[h] = np.cumsum(stage_sizes)
    unit_bounds = bounds[strata]
    chosen = ranks < unit_bounds[:, -1]
    stage = (ranks[:, None] >= unit_bounds).sum(axis=1)
    return random_rows[chosen], strata[chosen], stage[chosen]
