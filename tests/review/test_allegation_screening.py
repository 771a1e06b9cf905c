"""The 'screening now' record: only for that follow-up, linked to the result, kept in order."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review import workspace
from review.allegation_screening import (
    AllegationScreening,
    NamedSourceFinding,
    check_screening_now,
    load_screenings,
    record_screening,
    save_screening,
    screening_from_json,
    screening_to_json,
    summarise_screening,
)
from review.allegations import (
    Allegation,
    AllegationError,
    EventKind,
    FollowUp,
    accept,
    choose_follow_up,
    link,
)
from review.cycle import ReviewCycle
from review.follow_up_store import load_records
from review.workspace import WorkspaceInfo
from screening.policy import Flag
from screening.result import (
    PassageRecord,
    ResultFigures,
    ResultSource,
    ScreeningResult,
    ThesisInfo,
)
from tests.review.test_allegations import DAY, received

RESULT = ScreeningResult(
    created_at="2026-01-05T00:00:00Z",
    software={},
    thesis=ThesisInfo("T1.pdf", "", "ok", None, 1, "", (0,), (), ()),
    corpus={},
    settings={},
    figures=ResultFigures(0.31, 0.31, 0.31, 0.31, 0.25, 100, 1000, None, None, None, None, ()),
    flag=Flag("suspected_misconduct", ()),
    sources=tuple(
        ResultSource(doc, "", f"{doc}.pdf", 1000, share, None, None)
        for doc, share in (("doc-a", 0.25), ("doc-b", 0.06))
    ),
    passages=tuple(
        PassageRecord(0, 40, doc, 0, 40, "exact", 1.0, "") for doc in ("doc-a", "doc-a", "doc-b")
    ),
)


def screening_now(follow_up: FollowUp = FollowUp.SCREENING_NOW) -> Allegation:
    allegation = link(accept(received(), DAY, "office"), "T1", DAY, "office")
    return choose_follow_up(allegation, follow_up, DAY, "office")


def test_only_the_screening_now_follow_up_can_be_screened() -> None:
    check_screening_now(screening_now())
    for allegation in (received(), accept(received(), DAY, "office")):
        with pytest.raises(AllegationError, match="screening_now"):
            check_screening_now(allegation)
    with pytest.raises(AllegationError, match="certainty_next_year"):
        check_screening_now(screening_now(FollowUp.CERTAINTY_NEXT_YEAR))


def test_summary_takes_each_named_source_share_and_passages() -> None:
    named = [("a.pdf", "doc-a", "a.pdf"), ("paper.txt", "doc-z", "paper.txt")]
    record = summarise_screening(screening_now(), RESULT, named, "s/T1.json", DAY, "office")
    assert record.flag == "suspected_misconduct" and record.total_copy_ratio == 0.31
    assert [(f.doc_id, f.share, f.passages) for f in record.named] == [
        ("doc-a", 0.25, 2),
        ("doc-z", 0.0, 0),
    ]
    assert record.named_source_found


def test_the_screened_step_is_in_the_audit_log_and_never_back_in_time() -> None:
    allegation = screening_now()
    record = summarise_screening(allegation, RESULT, [("x", "doc-b", "b.pdf")], "r.json", DAY, "o")
    screened = record_screening(allegation, record)
    event = screened.events[-1]
    assert event.kind is EventKind.SCREENED and event.on == DAY
    assert "r.json" in event.note and "b.pdf: 6.0% in 1 passage(s)" in event.note
    early = AllegationScreening(**{**record.__dict__, "screened_on": DAY - timedelta(days=1)})
    with pytest.raises(AllegationError, match="before its last step"):
        record_screening(allegation, early)


def test_saved_with_the_allegations_in_one_step(tmp_path: Path) -> None:
    workspace.save(tmp_path, ReviewCycle(seed=1), WorkspaceInfo(seed=1))
    allegation = screening_now()
    record = summarise_screening(allegation, RESULT, [("a", "doc-a", "a")], "r.json", DAY, "o")
    save_screening(tmp_path, [record_screening(allegation, record)], [record])
    assert load_screenings(tmp_path) == (record,)
    assert load_records(tmp_path).allegations[0].events[-1].kind is EventKind.SCREENED
    (tmp_path / "allegation-screenings.json").write_text('{"x": 1}', encoding="utf-8")
    with pytest.raises(workspace.WorkspaceError, match="allegation-screenings.json"):
        load_screenings(tmp_path)


names = st.text(min_size=1, max_size=12)


@given(
    st.builds(
        AllegationScreening,
        code=names,
        thesis_id=names,
        screened_on=st.dates(date(2000, 1, 1), date(2099, 1, 1)),
        actor=names,
        result_file=names,
        flag=st.sampled_from(["clear", "needs_review", "suspected_misconduct"]),
        total_copy_ratio=st.none() | st.floats(0, 1),
        named=st.lists(
            st.builds(NamedSourceFinding, names, names, names, st.floats(0, 1), st.integers(0, 99)),
            max_size=3,
        ).map(tuple),
    )
)
def test_json_round_trip(record: AllegationScreening) -> None:
    assert screening_from_json(screening_to_json(record)) == record
