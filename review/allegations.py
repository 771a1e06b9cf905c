"""Allegations (举报): a suspected thesis fraud reported by anyone, and the office's handling.

An allegation moves received → accepted / rejected (with a reason) / merged (into
another allegation); an accepted one gets a follow-up — screening now, a certainty unit
in next year's draw, or a misconduct case — and is closed when that is done. Every step
is an `AllegationEvent` (the audit log). Reporters may stay anonymous; each allegation
has an unguessable tracking code, and what an institution sees (`InstitutionAllegation`)
is built from an explicit list of fields that never includes the reporter, the code or
the attachments. An allegation that names no register thesis stays recorded as
unmatched; it is never dropped.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from review.misconduct import MisconductCase
from sampler.frame import match_key, match_keys


class AllegationError(ValueError):
    """A step the allegation procedure does not allow; the message names the allegation."""


class AllegationKind(StrEnum):
    PLAGIARISM = "plagiarism"
    FABRICATION = "fabrication"
    GHOST_WRITING = "ghost_writing"


KIND_LABELS: dict[AllegationKind, str] = {
    AllegationKind.PLAGIARISM: "剽窃 plagiarism",
    AllegationKind.FABRICATION: "伪造 fabrication",
    AllegationKind.GHOST_WRITING: "代写 ghost-writing",
}
KIND_ALIASES: dict[str, AllegationKind] = {
    "plagiarism": AllegationKind.PLAGIARISM,
    "剽窃": AllegationKind.PLAGIARISM,
    "抄袭": AllegationKind.PLAGIARISM,
    "fabrication": AllegationKind.FABRICATION,
    "伪造": AllegationKind.FABRICATION,
    "篡改": AllegationKind.FABRICATION,
    "伪造篡改": AllegationKind.FABRICATION,
    "ghost_writing": AllegationKind.GHOST_WRITING,
    "ghost-writing": AllegationKind.GHOST_WRITING,
    "ghostwriting": AllegationKind.GHOST_WRITING,
    "代写": AllegationKind.GHOST_WRITING,
    "代寫": AllegationKind.GHOST_WRITING,
    "买卖": AllegationKind.GHOST_WRITING,
    "剽竊": AllegationKind.PLAGIARISM,
    "偽造": AllegationKind.FABRICATION,
}


def parse_kind(text: str) -> AllegationKind | None:
    """The kind named in English or Chinese (simplified or traditional), else None."""
    key = unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "_")
    return KIND_ALIASES.get(key)


class AllegationState(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


STATE_LABELS: dict[AllegationState, str] = {
    AllegationState.RECEIVED: "已收到 received",
    AllegationState.ACCEPTED: "已受理 accepted",
    AllegationState.REJECTED: "不予受理 rejected",
    AllegationState.MERGED: "已合并 merged",
    AllegationState.FOLLOW_UP: "处理中 in follow-up",
    AllegationState.CLOSED: "已办结 closed",
}


class FollowUp(StrEnum):
    SCREENING_NOW = "screening_now"
    CERTAINTY_NEXT_YEAR = "certainty_next_year"
    MISCONDUCT_CASE = "misconduct_case"


FOLLOW_UP_LABELS: dict[FollowUp, str] = {
    FollowUp.SCREENING_NOW: "立即检测 screening now",
    FollowUp.CERTAINTY_NEXT_YEAR: "下一年度必抽 certainty unit next year",
    FollowUp.MISCONDUCT_CASE: "学术不端调查 misconduct case",
}


class EventKind(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"
    LINKED = "linked"
    UNLINKED = "unlinked"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    SCREENED = "screened"


@dataclass(frozen=True)
class AllegationEvent:
    """One step, as the audit log records it: what, when, by whom (a role or office user)."""

    kind: EventKind
    on: date
    actor: str
    note: str = ""


@dataclass(frozen=True)
class Reporter:
    """Who reported (optional: anonymous reports carry no reporter)."""

    name: str = ""
    contact: str = ""


@dataclass(frozen=True)
class AllegationReport:
    """What a reporter (or an imported row) says about a thesis."""

    title: str
    author: str
    institution: str
    year: int
    kind: AllegationKind
    suspected_source: str = ""
    details: str = ""
    attachments: tuple[str, ...] = ()
    reporter: Reporter | None = None


@dataclass(frozen=True)
class Allegation:
    """An allegation with its handling; `events` oldest first."""

    code: str
    received_on: date
    report: AllegationReport
    state: AllegationState = AllegationState.RECEIVED
    thesis_id: str = ""
    merged_into: str = ""
    rejection_reason: str = ""
    follow_up: FollowUp | None = None
    events: tuple[AllegationEvent, ...] = ()

    @property
    def matched(self) -> bool:
        """Whether the allegation is linked to a thesis of a register."""
        return bool(self.thesis_id)


@dataclass(frozen=True)
class AnswerDeadlines:
    """Days the office has to triage a new allegation and to choose the follow-up."""

    triage_days: int = 15
    follow_up_days: int = 30

    def __post_init__(self) -> None:
        if self.triage_days < 1 or self.follow_up_days < 1:
            raise ValueError("answer deadlines must be at least one day")


_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "JB"


def new_tracking_code(taken: Collection[str] = ()) -> str:
    """An unguessable code (about 99 random bits, no 0/O/1/I/L) like JB-7KQ4M-…-…-…,
    different from every code in `taken`."""
    while True:
        chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(20))
        code = CODE_PREFIX + "-" + "-".join(chars[i : i + 5] for i in range(0, 20, 5))
        if code not in taken:
            return code


def normalise_code(text: str) -> str:
    """A tracking code as typed (any case, full-width, with or without dashes or spaces)
    reduced to its letters and digits, for comparison."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).upper() if ch.isalnum())


def receive(
    report: AllegationReport,
    on: date,
    *,
    taken: Collection[str] = (),
    actor: str = "public",
    thesis_id: str = "",
) -> Allegation:
    """A new allegation with a fresh tracking code, none of `taken` (the codes already
    given out), and, if known, the linked thesis."""
    for field_name in ("title", "institution"):
        if not getattr(report, field_name).strip():
            raise AllegationError(f"an allegation needs the thesis's {field_name}")
    code = new_tracking_code(taken)
    thesis_id = thesis_id.strip()
    events = [AllegationEvent(EventKind.RECEIVED, on, actor)]
    if thesis_id:
        events.append(AllegationEvent(EventKind.LINKED, on, actor, thesis_id))
    return Allegation(code, on, report, thesis_id=thesis_id, events=tuple(events))


def _require(allegation: Allegation, allowed: Iterable[AllegationState], step: str) -> None:
    allowed = tuple(allowed)
    if allegation.state not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise AllegationError(
            f"allegation {allegation.code}: cannot {step} when it is {allegation.state.value} "
            f"(only when {names})"
        )


def _check_date(allegation: Allegation, on: date) -> None:
    last = allegation.events[-1].on if allegation.events else allegation.received_on
    if on < last:
        raise AllegationError(
            f"allegation {allegation.code}: {on.isoformat()} is before its last step "
            f"({last.isoformat()})"
        )


def _step(
    allegation: Allegation, kind: EventKind, on: date, actor: str, note: str = "", **changes: object
) -> Allegation:
    _check_date(allegation, on)
    event = AllegationEvent(kind, on, actor, note)
    return replace(allegation, events=(*allegation.events, event), **changes)  # type: ignore[arg-type]


def accept(allegation: Allegation, on: date, actor: str, note: str = "") -> Allegation:
    _require(allegation, [AllegationState.RECEIVED], "accept it")
    return _step(allegation, EventKind.ACCEPTED, on, actor, note, state=AllegationState.ACCEPTED)


def reject(allegation: Allegation, on: date, actor: str, reason: str) -> Allegation:
    """Rejection needs a reason (the reporter sees it on the status page)."""
    _require(allegation, [AllegationState.RECEIVED], "reject it")
    if not reason.strip():
        raise AllegationError(f"allegation {allegation.code}: a rejection needs a reason")
    return _step(
        allegation,
        EventKind.REJECTED,
        on,
        actor,
        reason.strip(),
        state=AllegationState.REJECTED,
        rejection_reason=reason.strip(),
    )


def merge(
    allegation: Allegation, into: Allegation, on: date, actor: str, note: str = ""
) -> Allegation:
    """Marks a duplicate as merged into another allegation that is still being handled."""
    _require(allegation, [AllegationState.RECEIVED], "merge it")
    if into.code == allegation.code:
        raise AllegationError(f"allegation {allegation.code}: cannot be merged into itself")
    if into.state in (AllegationState.REJECTED, AllegationState.MERGED):
        raise AllegationError(
            f"allegation {allegation.code}: cannot merge into {into.code}, which is "
            f"{into.state.value}"
        )
    return _step(
        allegation,
        EventKind.MERGED,
        on,
        actor,
        note or into.code,
        state=AllegationState.MERGED,
        merged_into=into.code,
    )


_OPEN = (AllegationState.RECEIVED, AllegationState.ACCEPTED, AllegationState.FOLLOW_UP)


def link(allegation: Allegation, thesis_id: str, on: date, actor: str) -> Allegation:
    """Links the allegation to a register thesis (replacing an earlier link)."""
    _require(allegation, _OPEN, "link it to a thesis")
    thesis_id = thesis_id.strip()
    if not thesis_id:
        raise AllegationError(f"allegation {allegation.code}: give the thesis_id to link")
    return _step(allegation, EventKind.LINKED, on, actor, thesis_id, thesis_id=thesis_id)


def unlink(allegation: Allegation, on: date, actor: str, note: str = "") -> Allegation:
    """Removes a wrong link; the allegation is kept, as unmatched."""
    _require(allegation, (AllegationState.RECEIVED, AllegationState.ACCEPTED), "unlink it")
    if not allegation.thesis_id:
        raise AllegationError(f"allegation {allegation.code}: is not linked to a thesis")
    return _step(allegation, EventKind.UNLINKED, on, actor, note, thesis_id="")


def choose_follow_up(
    allegation: Allegation, follow_up: FollowUp, on: date, actor: str, note: str = ""
) -> Allegation:
    """Every follow-up acts on one thesis, so the allegation must be linked first."""
    _require(allegation, [AllegationState.ACCEPTED], "choose its follow-up")
    if not allegation.thesis_id:
        raise AllegationError(
            f"allegation {allegation.code}: link it to a register thesis before choosing "
            "a follow-up"
        )
    return _step(
        allegation,
        EventKind.FOLLOW_UP,
        on,
        actor,
        note or follow_up.value,
        state=AllegationState.FOLLOW_UP,
        follow_up=follow_up,
    )


def close(allegation: Allegation, on: date, actor: str, note: str) -> Allegation:
    """Closes an allegation whose follow-up is done; the note says how it ended."""
    _require(allegation, [AllegationState.FOLLOW_UP], "close it")
    if not note.strip():
        raise AllegationError(f"allegation {allegation.code}: closing needs a note on the outcome")
    return _step(
        allegation, EventKind.CLOSED, on, actor, note.strip(), state=AllegationState.CLOSED
    )


def misconduct_case_for(allegation: Allegation, on: date) -> MisconductCase:
    """The misconduct case a `misconduct_case` follow-up opens (the existing procedure)."""
    if allegation.follow_up is not FollowUp.MISCONDUCT_CASE or not allegation.thesis_id:
        raise AllegationError(
            f"allegation {allegation.code}: no misconduct-case follow-up was chosen"
        )
    kind = KIND_LABELS[allegation.report.kind]
    return MisconductCase(
        thesis_id=allegation.thesis_id,
        opened_on=on,
        triggers=(f"举报 allegation {allegation.code}: {kind}",),
    )


def cases_with_allegation(
    cases: Sequence[MisconductCase], allegation: Allegation, on: date
) -> tuple[MisconductCase, ...]:
    """The cases after a `misconduct_case` follow-up: a new case for the thesis, or the
    allegation added to the triggers of the case it already has."""
    opened = misconduct_case_for(allegation, on)
    for case in cases:
        if case.thesis_id == opened.thesis_id:
            if opened.triggers[0] in case.triggers:
                return tuple(cases)
            extended = replace(case, triggers=(*case.triggers, *opened.triggers))
            return tuple(extended if c is case else c for c in cases)
    return (*cases, opened)


def answer_due(allegation: Allegation, deadlines: AnswerDeadlines) -> date | None:
    """When the office must take its next step, or None when nothing is pending from it."""
    if allegation.state is AllegationState.RECEIVED:
        return allegation.received_on + timedelta(days=deadlines.triage_days)
    if allegation.state is AllegationState.ACCEPTED:
        accepted = next(e.on for e in allegation.events if e.kind is EventKind.ACCEPTED)
        return accepted + timedelta(days=deadlines.follow_up_days)
    return None


def overdue(
    allegations: Iterable[Allegation], today: date, deadlines: AnswerDeadlines
) -> list[tuple[Allegation, date]]:
    """Allegations whose office answer is past due, oldest due date first."""
    late = []
    for allegation in allegations:
        due = answer_due(allegation, deadlines)
        if due is not None and due < today:
            late.append((allegation, due))
    return sorted(late, key=lambda item: (item[1], item[0].code))


def find(allegations: Sequence[Allegation], code: str) -> Allegation:
    wanted = normalise_code(code)
    for allegation in allegations:
        if normalise_code(allegation.code) == wanted:
            return allegation
    raise AllegationError(f"no allegation with tracking code {code!r}")


def replace_allegation(
    allegations: Sequence[Allegation], updated: Allegation
) -> tuple[Allegation, ...]:
    """The list with `updated` in place of the allegation with the same code."""
    if not any(a.code == updated.code for a in allegations):
        raise AllegationError(f"no allegation with tracking code {updated.code!r}")
    return tuple(updated if a.code == updated.code else a for a in allegations)


@dataclass(frozen=True)
class PublicStatus:
    """What the tracking code shows the reporter: state, dates and the office's answer."""

    code: str
    received_on: date
    state: AllegationState
    state_label: str
    rejection_reason: str
    follow_up: FollowUp | None
    merged_into: str
    last_step_on: date


def public_status(allegation: Allegation) -> PublicStatus:
    return PublicStatus(
        code=allegation.code,
        received_on=allegation.received_on,
        state=allegation.state,
        state_label=STATE_LABELS[allegation.state],
        rejection_reason=allegation.rejection_reason,
        follow_up=allegation.follow_up,
        merged_into=allegation.merged_into,
        last_step_on=allegation.events[-1].on if allegation.events else allegation.received_on,
    )


@dataclass(frozen=True)
class InstitutionAllegation:
    """What an institution sees: the suspicion and its handling, never who reported it."""

    thesis_id: str
    title: str
    author: str
    year: int
    kind: AllegationKind
    suspected_source: str
    state: AllegationState
    follow_up: FollowUp | None
    received_on: date


def institution_view(
    allegations: Iterable[Allegation], institution: str
) -> list[InstitutionAllegation]:
    """The accepted allegations about one institution's theses (triage is internal); names
    are compared after folding width, script, spaces and punctuation, as reporters type
    them."""
    visible = (AllegationState.ACCEPTED, AllegationState.FOLLOW_UP, AllegationState.CLOSED)
    shown = [a for a in allegations if a.state in visible]
    wanted = match_key(institution)
    keys = match_keys([a.report.institution for a in shown])
    return [
        InstitutionAllegation(
            thesis_id=a.thesis_id,
            title=a.report.title,
            author=a.report.author,
            year=a.report.year,
            kind=a.report.kind,
            suspected_source=a.report.suspected_source,
            state=a.state,
            follow_up=a.follow_up,
            received_on=a.received_on,
        )
        for a, _ in sorted(
            ((a, k) for a, k in zip(shown, keys, strict=True) if k == wanted),
            key=lambda item: (item[0].received_on, item[0].thesis_id, item[0].code),
        )
    ]


def certainty_candidates(allegations: Iterable[Allegation]) -> list[Allegation]:
    """Accepted allegations linked to a thesis: the theses next year's draw must include."""
    wanted = (AllegationState.ACCEPTED, AllegationState.FOLLOW_UP)
    return sorted(
        (a for a in allegations if a.state in wanted and a.thesis_id),
        key=lambda a: (a.thesis_id, a.code),
    )
