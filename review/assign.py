"""Assigning peer experts to sampled theses: discipline match, conflicts, load, reproducibility.

Each thesis needs 3 experts in round 1 (and 2 more in a 复评 round). Candidates are
experts of the thesis's first-level discipline, falling back to its 门类 (the 2-digit
prefix; the fallback is recorded on the assignment); conflicted experts, experts who
were ever assigned to the thesis, and experts at their maximum load are never chosen.

The greedy pass staffs the most constrained theses first, one expert per thesis per
pass, preferring the exact discipline, then the lowest relative load, then a seeded
key. A repair pass then moves assignments along augmenting paths so no thesis stays
short while a rearrangement could staff it (the number of assignments is maximal).
All keys come from the seed and ids, so the result does not depend on input order.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

import numpy as np

from review.conflicts import CONFLICT_LABELS, Conflict, ConflictPolicy, person_key
from review.experts import Expert
from review.keys import seeded_key
from review.theses import SampledThesis

EXPERTS_PER_THESIS = 3
RE_REVIEW_EXPERTS = 2
DEFAULT_DUE_DAYS = 30


class AssignmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"


ENDED_STATUSES = frozenset({AssignmentStatus.DECLINED, AssignmentStatus.TIMED_OUT})


class MatchLevel(StrEnum):
    """How the expert matches the thesis: same first-level code, or only the same 门类."""

    DISCIPLINE = "discipline"
    CATEGORY = "category"


@dataclass(frozen=True)
class Assignment:
    """One expert asked to review one thesis in one round; kept forever as history."""

    thesis_id: str
    expert_id: str
    round: int
    match: MatchLevel
    assigned_on: date
    due_on: date
    status: AssignmentStatus = AssignmentStatus.ACTIVE
    replaces: str = ""
    ended_on: date | None = None

    @property
    def counts_toward_load(self) -> bool:
        return self.status not in ENDED_STATUSES


@dataclass(frozen=True)
class StaffingRequest:
    """`count` more experts wanted for a thesis in a round (replacing `replaces`, if any)."""

    thesis_id: str
    round: int
    count: int
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shortfall:
    """A thesis that could not be fully staffed, and why."""

    thesis_id: str
    round: int
    needed: int
    assigned: int
    reason: str


@dataclass(frozen=True)
class StaffingResult:
    assignments: tuple[Assignment, ...]
    shortfalls: tuple[Shortfall, ...]


class AssignmentError(ValueError):
    """A request that cannot be acted on (unknown thesis or expert, nothing to replace)."""


def initial_requests(
    theses: Iterable[SampledThesis], per_thesis: int = EXPERTS_PER_THESIS
) -> list[StaffingRequest]:
    return [StaffingRequest(thesis.thesis_id, 1, per_thesis) for thesis in theses]


_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic, identical everywhere)."""
    z = values.astype(np.uint64, copy=True)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z & _MASK64


class _Codes:
    """Interns normalised strings as integers so conflict checks are array comparisons."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {"": 0}

    def __call__(self, text: str) -> int:
        key = person_key(text)
        if not key:
            return 0
        return self._ids.setdefault(key, len(self._ids))


@dataclass
class _Request:
    thesis: SampledThesis
    round: int
    needed: int
    replaces: tuple[str, ...]
    candidates: np.ndarray
    tiers: np.ndarray
    exact: int
    keys: np.ndarray
    chosen: list[int]
    order_key: int


class _Pool:
    """The experts as arrays, with indexes by discipline code and 门类."""

    def __init__(self, experts: Sequence[Expert], seed: int) -> None:
        self.experts = sorted(experts, key=lambda expert: expert.expert_id)
        ids = [expert.expert_id for expert in self.experts]
        if len(set(ids)) != len(ids):
            raise AssignmentError("the expert pool has duplicate expert ids")
        self.index = {expert_id: i for i, expert_id in enumerate(ids)}
        self.codes = _Codes()
        self.institution = np.array([self.codes(e.institution) for e in self.experts], np.int64)
        self.province = np.array([self.codes(e.province) for e in self.experts], np.int64)
        self.name = np.array([self.codes(e.name) for e in self.experts], np.int64)
        self.ident = np.array([self.codes(e.expert_id) for e in self.experts], np.int64)
        self.max_load = np.array([e.max_load for e in self.experts], np.int64)
        self.keys = np.array([seeded_key(seed, "expert", i) for i in ids], np.uint64)
        by_code: dict[str, list[int]] = defaultdict(list)
        by_category: dict[str, list[int]] = defaultdict(list)
        for i, expert in enumerate(self.experts):
            for code in expert.disciplines:
                by_code[code].append(i)
            for category in expert.categories:
                by_category[category].append(i)
        self.by_code = {k: np.array(v, np.int64) for k, v in by_code.items()}
        self.by_category = {k: np.array(v, np.int64) for k, v in by_category.items()}
        self._matching: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def matching(self, thesis: SampledThesis) -> tuple[np.ndarray, np.ndarray]:
        """Indexes of experts matching the thesis and their tier (0 discipline, 1 门类)."""
        code = thesis.discipline_code
        if code not in self._matching:
            empty = np.empty(0, np.int64)
            exact = self.by_code.get(code, empty)
            category = np.setdiff1d(self.by_category.get(code[:2], empty), exact)
            tiers = np.concatenate(
                [np.zeros(len(exact), np.int64), np.ones(len(category), np.int64)]
            )
            self._matching[code] = (np.concatenate([exact, category]), tiers)
        return self._matching[code]

    def conflict_masks(
        self, candidates: np.ndarray, thesis: SampledThesis, policy: ConflictPolicy
    ) -> dict[Conflict, np.ndarray]:
        """Per rule, which candidates it excludes (mirrors `review.conflicts.conflicts`)."""
        masks = {
            Conflict.SAME_INSTITUTION: self.institution[candidates]
            == self.codes(thesis.institution)
        }
        rules = policy.exclusions
        if Conflict.SAME_PROVINCE in rules and thesis.province:
            masks[Conflict.SAME_PROVINCE] = self.province[candidates] == self.codes(thesis.province)
        listed = {
            Conflict.SUPERVISOR: (thesis.supervisor,),
            Conflict.CO_AUTHOR: thesis.co_authors,
            Conflict.PRE_DEFENCE_REVIEWER: thesis.pre_defence_reviewers,
        }
        for rule, names in listed.items():
            if rule not in rules:
                continue
            codes = np.array(sorted({self.codes(n) for n in names} - {0}), np.int64)
            if len(codes):
                masks[rule] = np.isin(self.name[candidates], codes) | np.isin(
                    self.ident[candidates], codes
                )
        return masks


def _current_load(pool: _Pool, assignments: Iterable[Assignment]) -> np.ndarray:
    load = np.zeros(len(pool.experts), np.int64)
    for assignment in assignments:
        if assignment.counts_toward_load and assignment.expert_id in pool.index:
            load[pool.index[assignment.expert_id]] += 1
    return load


def staff(
    requests: Sequence[StaffingRequest],
    theses: Mapping[str, SampledThesis],
    experts: Sequence[Expert],
    policy: ConflictPolicy,
    seed: int,
    existing: Sequence[Assignment] = (),
    on: date | None = None,
    due_days: int = DEFAULT_DUE_DAYS,
) -> StaffingResult:
    """New assignments for the requests, plus the theses that could not be fully staffed."""
    on = on or date.today()
    pool = _Pool(experts, seed)
    load = _current_load(pool, existing)
    involved: dict[str, set[int]] = defaultdict(set)
    unknown_experts: set[str] = set()
    for assignment in existing:
        if assignment.expert_id in pool.index:
            involved[assignment.thesis_id].add(pool.index[assignment.expert_id])
        else:
            unknown_experts.add(assignment.expert_id)
    merged: dict[tuple[str, int], StaffingRequest] = {}
    for request in requests:
        if request.thesis_id not in theses:
            raise AssignmentError(f"thesis {request.thesis_id!r} is not in the sample")
        key = (request.thesis_id, request.round)
        if key in merged:
            old = merged[key]
            request = StaffingRequest(
                request.thesis_id,
                request.round,
                old.count + request.count,
                old.replaces + request.replaces,
            )
        merged[key] = request
    pending: list[_Request] = []
    before: dict[str, frozenset[int]] = {k: frozenset(v) for k, v in involved.items()}
    for (thesis_id, round_number), request in sorted(merged.items()):
        if request.count <= 0:
            continue
        thesis = theses[thesis_id]
        candidates, tiers = pool.matching(thesis)
        keep = _eligible(pool, candidates, thesis, policy, involved[thesis_id])[0]
        thesis_key = np.uint64(seeded_key(seed, "thesis", thesis_id))
        kept = candidates[keep]
        pending.append(
            _Request(
                thesis=thesis,
                round=round_number,
                needed=request.count,
                replaces=request.replaces,
                candidates=kept,
                tiers=tiers[keep],
                exact=int(np.count_nonzero(tiers[keep] == 0)),
                keys=_mix64(pool.keys[kept] ^ thesis_key),
                chosen=[],
                order_key=seeded_key(seed, "order", thesis_id, str(round_number)),
            )
        )
    spare = load < pool.max_load
    pending.sort(key=lambda r: (int(np.count_nonzero(spare[r.candidates])) - r.needed, r.order_key))
    _greedy(pending, pool, load, involved)
    _repair(pending, pool, load, involved)
    assignments: list[Assignment] = []
    shortfalls: list[Shortfall] = []
    due_on = on + timedelta(days=due_days)
    for entry in sorted(pending, key=lambda r: (r.thesis.thesis_id, r.round)):
        replaced = list(entry.replaces)
        for i in entry.chosen:
            position = int(np.flatnonzero(entry.candidates == i)[0])
            tier = int(entry.tiers[position])
            assignments.append(
                Assignment(
                    thesis_id=entry.thesis.thesis_id,
                    expert_id=pool.experts[i].expert_id,
                    round=entry.round,
                    match=MatchLevel.DISCIPLINE if tier == 0 else MatchLevel.CATEGORY,
                    assigned_on=on,
                    due_on=due_on,
                    replaces=replaced.pop(0) if replaced else "",
                )
            )
        if len(entry.chosen) < entry.needed:
            shortfalls.append(
                Shortfall(
                    thesis_id=entry.thesis.thesis_id,
                    round=entry.round,
                    needed=entry.needed,
                    assigned=len(entry.chosen),
                    reason=_shortfall_reason(
                        entry.thesis,
                        pool,
                        policy,
                        before.get(entry.thesis.thesis_id, frozenset()),
                        load,
                    ),
                )
            )
    return StaffingResult(tuple(assignments), tuple(shortfalls))


def _best(request: _Request, pool: _Pool, load: np.ndarray, involved: set[int]) -> int | None:
    """The preferred usable candidate: exact discipline first, then least loaded, then key."""
    bounds = ((0, request.exact), (request.exact, len(request.candidates)))
    for low, high in bounds:
        candidates = request.candidates[low:high]
        if not len(candidates):
            continue
        usable = load[candidates] < pool.max_load[candidates]
        for taken in involved:
            usable &= candidates != taken
        if not usable.any():
            continue
        idx = np.flatnonzero(usable)
        chosen = candidates[idx]
        ratio = load[chosen] / pool.max_load[chosen]
        order = np.lexsort((request.keys[low:high][idx], ratio))
        return int(chosen[order[0]])
    return None


def _greedy(
    pending: list[_Request], pool: _Pool, load: np.ndarray, involved: dict[str, set[int]]
) -> None:
    passes = max((r.needed for r in pending), default=0)
    for _ in range(passes):
        for request in pending:
            if len(request.chosen) >= request.needed:
                continue
            choice = _best(request, pool, load, involved[request.thesis.thesis_id])
            if choice is None:
                continue
            request.chosen.append(choice)
            involved[request.thesis.thesis_id].add(choice)
            load[choice] += 1


def _repair(
    pending: list[_Request], pool: _Pool, load: np.ndarray, involved: dict[str, set[int]]
) -> None:
    """Augmenting paths: give a short thesis a full expert whose other thesis can move on."""
    holders: dict[int, list[_Request]] = defaultdict(list)
    for request in pending:
        for i in request.chosen:
            holders[i].append(request)
    progress = True
    while progress:
        progress = False
        for short in pending:
            while len(short.chosen) < short.needed and _augment(
                short, pool, load, involved, holders
            ):
                progress = True


def _augment(
    start: _Request,
    pool: _Pool,
    load: np.ndarray,
    involved: dict[str, set[int]],
    holders: dict[int, list[_Request]],
) -> bool:
    """One breadth-first search from `start` to an expert with spare capacity."""

    def options(request: _Request) -> list[int]:
        taken = involved[request.thesis.thesis_id]
        return [int(i) for i in request.candidates if int(i) not in taken]

    parent: dict[int, tuple[int | None, _Request]] = {}
    queue: deque[int] = deque()
    for i in options(start):
        parent[i] = (None, start)
        queue.append(i)
    while queue:
        expert = queue.popleft()
        if load[expert] < pool.max_load[expert]:
            _apply_path(expert, parent, load, involved, holders)
            return True
        for holder in holders[expert]:
            for other in options(holder):
                if other not in parent:
                    parent[other] = (expert, holder)
                    queue.append(other)
    return False


def _apply_path(
    end: int,
    parent: dict[int, tuple[int | None, _Request]],
    load: np.ndarray,
    involved: dict[str, set[int]],
    holders: dict[int, list[_Request]],
) -> None:
    load[end] += 1
    expert: int | None = end
    while expert is not None:
        previous, request = parent[expert]
        request.chosen.append(expert)
        involved[request.thesis.thesis_id].add(expert)
        holders[expert].append(request)
        if previous is not None:
            request.chosen.remove(previous)
            involved[request.thesis.thesis_id].discard(previous)
            holders[previous].remove(request)
        expert = previous


def _eligible(
    pool: _Pool,
    candidates: np.ndarray,
    thesis: SampledThesis,
    policy: ConflictPolicy,
    involved: Iterable[int],
) -> tuple[np.ndarray, dict[Conflict, np.ndarray], np.ndarray]:
    """(eligible mask, per-rule conflict masks, already-involved mask) over the candidates."""
    masks = pool.conflict_masks(candidates, thesis, policy)
    excluded = np.zeros(len(candidates), bool)
    for mask in masks.values():
        excluded |= mask
    already = np.zeros(len(candidates), bool)
    for index in involved:
        already |= candidates == index
    return ~excluded & ~already, masks, already


def _shortfall_reason(
    thesis: SampledThesis,
    pool: _Pool,
    policy: ConflictPolicy,
    involved: frozenset[int],
    load: np.ndarray,
) -> str:
    """Why a thesis stayed short: pool coverage, exclusions by rule, prior involvement, load."""
    code, category = thesis.discipline_code, thesis.category
    candidates, tiers = pool.matching(thesis)
    if not len(candidates):
        return f"库中无该学科专家 no expert in the pool covers discipline {code} or 门类 {category}"
    keep, masks, already = _eligible(pool, candidates, thesis, policy, involved)
    exact = int(np.count_nonzero(tiers == 0))
    parts = [
        f"{len(candidates)} matching expert(s) ({exact} in {code}, "
        f"{len(candidates) - exact} more in 门类 {category})"
    ]
    counted = Counter(
        {CONFLICT_LABELS[rule]: int(np.count_nonzero(mask)) for rule, mask in masks.items()}
    )
    for label, count in sorted(counted.items()):
        if count:
            parts.append(f"{count} excluded: {label}")
    if already.any():
        parts.append(f"{int(np.count_nonzero(already))} already assigned or declined before")
    kept = candidates[keep]
    full = int(np.count_nonzero(load[kept] >= pool.max_load[kept]))
    if full:
        parts.append(f"{full} eligible expert(s) at maximum load 已达评审上限")
    return "; ".join(parts)


def end_assignment(
    assignments: Sequence[Assignment],
    thesis_id: str,
    expert_id: str,
    status: AssignmentStatus,
    on: date,
) -> tuple[list[Assignment], StaffingRequest]:
    """Marks an active assignment declined or timed out; returns the replacement request."""
    updated, requests = end_assignments(assignments, [(thesis_id, expert_id, status)], on)
    return updated, requests[0]


def end_assignments(
    assignments: Sequence[Assignment],
    ended: Sequence[tuple[str, str, AssignmentStatus]],
    on: date,
) -> tuple[list[Assignment], list[StaffingRequest]]:
    """Ends several active assignments at once; one replacement request per ended one."""
    updated = list(assignments)
    active = {
        (a.thesis_id, a.expert_id): i
        for i, a in enumerate(updated)
        if a.status is AssignmentStatus.ACTIVE
    }
    requests: list[StaffingRequest] = []
    for thesis_id, expert_id, status in ended:
        if status not in ENDED_STATUSES:
            raise AssignmentError(f"cannot end an assignment as {status.value}")
        position = active.pop((thesis_id, expert_id), None)
        if position is None:
            raise AssignmentError(
                f"no active assignment of expert {expert_id!r} to thesis {thesis_id!r}"
            )
        assignment = replace(updated[position], status=status, ended_on=on)
        updated[position] = assignment
        requests.append(StaffingRequest(thesis_id, assignment.round, 1, (expert_id,)))
    return updated, requests


def overdue(assignments: Iterable[Assignment], today: date) -> list[Assignment]:
    """Active assignments whose review is past its due date (candidates for a timeout)."""
    return [a for a in assignments if a.status is AssignmentStatus.ACTIVE and a.due_on < today]


def active_count(assignments: Iterable[Assignment], thesis_id: str, round_number: int) -> int:
    return sum(
        1
        for a in assignments
        if a.thesis_id == thesis_id and a.round == round_number and a.counts_toward_load
    )
