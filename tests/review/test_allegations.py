"""Allegations (举报): every state transition, tracking codes, deadlines, anonymity, import."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review import workspace
from review.allegation_import import import_allegations, link_unique_matches, match_register
from review.allegations import (
    Allegation,
    AllegationError,
    AllegationKind,
    AllegationReport,
    AllegationState,
    AnswerDeadlines,
    EventKind,
    FollowUp,
    Reporter,
    accept,
    answer_due,
    certainty_candidates,
    choose_follow_up,
    close,
    find,
    institution_view,
    link,
    merge,
    misconduct_case_for,
    new_tracking_code,
    overdue,
    parse_kind,
    public_status,
    receive,
    reject,
    unlink,
)
from review.cycle import ReviewCycle
from review.follow_up_store import FollowUpRecords, load_records, save_records
from review.tables import ValidationError
from review.workspace import WorkspaceError, WorkspaceInfo
from sampler.frame import load_frame_bytes
from tests.sampler.registers import csv_bytes

DAY = date(2025, 10, 8)
REPORTER = Reporter("王举报", "wang@example.org")


def report(**changes: object) -> AllegationReport:
    base = AllegationReport(
        title="基于深度学习的图像识别研究",
        author="李明",
        institution="甲大学",
        year=2024,
        kind=AllegationKind.PLAGIARISM,
        suspected_source="张三 2019 年硕士论文",
        details="第三章与来源高度雷同",
        attachments=("blob:ab12",),
        reporter=REPORTER,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def received(**changes: object) -> Allegation:
    return receive(report(**changes), DAY)


def test_received_allegation_has_code_event_and_is_unmatched() -> None:
    allegation = received()
    assert allegation.state is AllegationState.RECEIVED
    assert not allegation.matched and allegation.thesis_id == ""
    assert [e.kind for e in allegation.events] == [EventKind.RECEIVED]
    assert re.fullmatch(r"JB(-[2-9A-HJKMNP-Z]{5}){4}", allegation.code)
    linked = receive(report(), DAY, thesis_id="T1")
    assert linked.thesis_id == "T1" and linked.events[-1].kind is EventKind.LINKED
    blank = receive(report(), DAY, thesis_id="  ")
    assert blank.thesis_id == "" and [e.kind for e in blank.events] == [EventKind.RECEIVED]


def test_tracking_codes_are_unique_and_unpredictable() -> None:
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    # ~99 bits: no two codes share their first 10 random characters in 2000 draws
    assert len({c[:14] for c in codes}) == 2000
    with pytest.raises(AllegationError, match="no allegation"):
        find([received()], "JB-NOPE")
    allegation = received()
    assert find([allegation], allegation.code.lower().replace("-", "－")) == allegation
    assert find([allegation], " " + allegation.code.replace("-", "")) == allegation


def test_receiving_needs_title_and_institution() -> None:
    with pytest.raises(AllegationError, match="title"):
        received(title=" ")
    with pytest.raises(AllegationError, match="institution"):
        received(institution="")


def test_accept_then_follow_up_then_close() -> None:
    allegation = accept(received(), DAY, "office:zhao", "材料齐全")
    assert allegation.state is AllegationState.ACCEPTED
    with pytest.raises(AllegationError, match="link it to a register thesis"):
        choose_follow_up(allegation, FollowUp.SCREENING_NOW, DAY, "office")
    allegation = link(allegation, "T7", DAY, "office")
    later = DAY + timedelta(days=3)
    for follow_up in FollowUp:
        chosen = choose_follow_up(allegation, follow_up, later, "office")
        assert chosen.state is AllegationState.FOLLOW_UP and chosen.follow_up is follow_up
    chosen = choose_follow_up(allegation, FollowUp.MISCONDUCT_CASE, later, "office")
    case = misconduct_case_for(chosen, later)
    assert case.thesis_id == "T7" and chosen.code in case.triggers[0]
    with pytest.raises(AllegationError, match="needs a note"):
        close(chosen, later, "office", " ")
    closed = close(chosen, later, "office", "学位已撤销 degree revoked")
    assert closed.state is AllegationState.CLOSED
    assert [e.kind for e in closed.events] == [
        EventKind.RECEIVED,
        EventKind.ACCEPTED,
        EventKind.LINKED,
        EventKind.FOLLOW_UP,
        EventKind.CLOSED,
    ]
    assert all(e.actor for e in closed.events)


def test_reject_needs_a_reason_and_is_final() -> None:
    with pytest.raises(AllegationError, match="needs a reason"):
        reject(received(), DAY, "office", "  ")
    rejected = reject(received(), DAY, "office", "信息不足，无法核实")
    assert rejected.state is AllegationState.REJECTED
    assert public_status(rejected).rejection_reason == "信息不足，无法核实"
    for step in (
        lambda a: accept(a, DAY, "office"),
        lambda a: reject(a, DAY, "office", "again"),
        lambda a: link(a, "T1", DAY, "office"),
        lambda a: choose_follow_up(a, FollowUp.SCREENING_NOW, DAY, "office"),
        lambda a: close(a, DAY, "office", "x"),
    ):
        with pytest.raises(AllegationError, match="rejected"):
            step(rejected)


def test_merge_into_another_allegation() -> None:
    first, duplicate = received(), received()
    merged = merge(duplicate, first, DAY, "office")
    assert merged.state is AllegationState.MERGED and merged.merged_into == first.code
    assert public_status(merged).merged_into == first.code
    with pytest.raises(AllegationError, match="itself"):
        merge(first, first, DAY, "office")
    with pytest.raises(AllegationError, match="merged"):
        merge(received(), merged, DAY, "office")
    with pytest.raises(AllegationError, match="cannot merge"):
        merge(accept(received(), DAY, "office"), first, DAY, "office")


def test_only_received_allegations_are_triaged() -> None:
    accepted = accept(received(), DAY, "office")
    for step in (
        lambda a: accept(a, DAY, "office"),
        lambda a: reject(a, DAY, "office", "x"),
        lambda a: merge(a, received(), DAY, "office"),
        lambda a: close(a, DAY, "office", "x"),
    ):
        with pytest.raises(AllegationError, match="accepted"):
            step(accepted)
    with pytest.raises(AllegationError, match="received"):
        choose_follow_up(link(received(), "T1", DAY, "o"), FollowUp.SCREENING_NOW, DAY, "o")


def test_link_and_unlink_keep_the_allegation() -> None:
    allegation = link(received(), "T1", DAY, "office")
    allegation = link(allegation, "T2", DAY, "office")
    assert allegation.thesis_id == "T2"
    allegation = unlink(allegation, DAY, "office", "wrong thesis")
    assert allegation.thesis_id == "" and allegation.state is AllegationState.RECEIVED
    with pytest.raises(AllegationError, match="not linked"):
        unlink(allegation, DAY, "office")
    with pytest.raises(AllegationError, match="give the thesis_id"):
        link(allegation, " ", DAY, "office")
    followed = choose_follow_up(
        link(accept(received(), DAY, "o"), "T3", DAY, "o"), FollowUp.SCREENING_NOW, DAY, "o"
    )
    with pytest.raises(AllegationError, match="follow_up"):
        unlink(followed, DAY, "office")


def test_steps_cannot_go_back_in_time() -> None:
    with pytest.raises(AllegationError, match="before its last step"):
        accept(received(), DAY - timedelta(days=1), "office")


def test_misconduct_case_needs_that_follow_up() -> None:
    chosen = choose_follow_up(
        link(accept(received(), DAY, "o"), "T3", DAY, "o"), FollowUp.SCREENING_NOW, DAY, "o"
    )
    with pytest.raises(AllegationError, match="no misconduct-case"):
        misconduct_case_for(chosen, DAY)


def test_answer_deadlines_and_overdue() -> None:
    deadlines = AnswerDeadlines(triage_days=15, follow_up_days=30)
    new = received()
    assert answer_due(new, deadlines) == DAY + timedelta(days=15)
    accepted = accept(received(), DAY + timedelta(days=5), "office")
    assert answer_due(accepted, deadlines) == DAY + timedelta(days=35)
    done = reject(received(), DAY, "office", "x")
    assert answer_due(done, deadlines) is None
    today = DAY + timedelta(days=20)
    assert overdue([new, accepted, done], today, deadlines) == [(new, DAY + timedelta(days=15))]
    assert overdue([new], DAY + timedelta(days=15), deadlines) == []
    with pytest.raises(ValueError):
        AnswerDeadlines(0, 10)


def test_institution_view_never_shows_the_reporter() -> None:
    accepted = link(accept(received(), DAY, "office"), "T1", DAY, "office")
    other = accept(received(institution="乙大学"), DAY, "office")
    pending = received()
    view = institution_view([accepted, other, pending], "甲大学")
    assert len(view) == 1
    text = repr(view)
    for secret in (REPORTER.name, REPORTER.contact, accepted.code, "blob:ab12"):
        assert secret not in text
    assert view[0].thesis_id == "T1" and view[0].kind is AllegationKind.PLAGIARISM
    typed = accept(received(institution=" 甲大學 "), DAY, "office")
    assert len(institution_view([typed], "甲大学")) == 1  # as a reporter may type it
    status = public_status(accepted)
    assert REPORTER.name not in repr(status)


def test_certainty_candidates_are_accepted_and_linked() -> None:
    linked = link(accept(received(), DAY, "o"), "T1", DAY, "o")
    unlinked = accept(received(), DAY, "o")
    rejected = reject(link(received(), "T2", DAY, "o"), DAY, "o", "x")
    assert certainty_candidates([linked, unlinked, rejected]) == [linked]


def test_kind_names_in_both_languages() -> None:
    assert parse_kind("抄袭") is AllegationKind.PLAGIARISM
    assert parse_kind(" Ghost-Writing ") is AllegationKind.GHOST_WRITING
    assert parse_kind("代寫") is AllegationKind.GHOST_WRITING
    assert parse_kind("偽造") is AllegationKind.FABRICATION
    assert parse_kind("other") is None


IMPORT_HEADER = "论文题目,作者,学位授予单位,年度,举报类型,疑似来源,举报人,联系方式,收到日期,附件\n"


def test_import_reads_every_row(tmp_path: Path) -> None:
    path = tmp_path / "allegations.csv"
    path.write_bytes(
        (
            IMPORT_HEADER
            + "图像识别研究,李明,甲大学,2024,抄袭,张三论文,,,2025/9/1,a.pdf；b.pdf\n"
            + "“量子”通信研究,王五,乙大学,2023,代写,,赵六,139,2025年9月2日,\n"
        ).encode("gb18030")
    )
    created = import_allegations(path, (), DAY, "import:office")
    assert [a.report.kind for a in created] == [
        AllegationKind.PLAGIARISM,
        AllegationKind.GHOST_WRITING,
    ]
    assert created[0].report.reporter is None and created[0].report.attachments == (
        "a.pdf",
        "b.pdf",
    )
    assert created[1].report.reporter == Reporter("赵六", "139")
    assert created[1].received_on == date(2025, 9, 2)
    assert len({a.code for a in created}) == 2


def test_a_malformed_row_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    path = tmp_path / "allegations.csv"
    path.write_text(
        IMPORT_HEADER
        + "图像识别研究,李明,甲大学,2024,抄袭,,,,,\n"
        + ",李明,甲大学,二〇二四,偷懒,,,,2025-13-01,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        import_allegations(path, (), DAY, "office")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert found == {(3, "title"), (3, "year"), (3, "kind"), (3, "received_on")}
    assert "row 3, column 'kind', value '偷懒'" in str(caught.value)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("论文题目,作者\nx,y\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="required column missing"):
        import_allegations(path, (), DAY, "office")


def test_xlsx_import(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["title", "author", "institution", "year", "kind", "thesis_id"])
    sheet.append(["A study", "Li", "甲大学", 2024, "fabrication", "T9"])
    path = tmp_path / "a.xlsx"
    book.save(path)
    (allegation,) = import_allegations(path, (), DAY, "office")
    assert allegation.report.year == 2024 and allegation.thesis_id == "T9"


def _register() -> bytes:
    rows = [
        ["T1", "甲大学", "master", "academic", "0812", "2024-06-30", "图像识别研究", "李明", "s"],
        ["T2", "甲大学", "master", "academic", "0812", "2024-06-30", "同名论文", "张三", "s"],
        ["T3", "甲大学", "master", "academic", "0812", "2024-06-30", "同名论文", "张三", "s"],
        ["T4", "乙大學", "master", "academic", "0812", "2024-06-30", "量子通信研究", "王五", "s"],
    ]
    return csv_bytes(rows)


def test_register_matching_links_unique_matches_and_keeps_the_rest() -> None:
    register = load_frame_bytes(_register(), "register.csv")
    unique = received(title="图像识别 研究", author="李明")
    traditional = received(title="“量子通信研究”", author="王五", institution="乙大学")
    ambiguous = received(title="同名论文", author="张三")
    nowhere = received(title="不存在的论文")
    allegations = (unique, traditional, ambiguous, nowhere)
    matches = {m.code: m.candidates for m in match_register(allegations, register)}
    assert matches[ambiguous.code] == ("T2", "T3")
    updated, _ = link_unique_matches(allegations, register, DAY, "office")
    assert [a.thesis_id for a in updated] == ["T1", "T4", "", ""]
    assert len(updated) == 4  # unmatched ones are kept, not lost


def _workspace(tmp_path: Path) -> Path:
    directory = tmp_path / "ws"
    workspace.save(directory, ReviewCycle(seed=1), WorkspaceInfo(seed=1))
    return directory


def test_records_round_trip_through_the_workspace(tmp_path: Path) -> None:
    directory = _workspace(tmp_path)
    assert load_records(directory) == FollowUpRecords()
    closed = close(
        choose_follow_up(
            link(accept(received(), DAY, "o"), "T1", DAY, "o"),
            FollowUp.CERTAINTY_NEXT_YEAR,
            DAY,
            "o",
        ),
        DAY,
        "o",
        "drawn",
    )
    records = FollowUpRecords(allegations=(received(reporter=None), closed))
    save_records(directory, records)
    assert load_records(directory) == records
    assert not list(directory.glob(".*.tmp"))
    cycle, _ = workspace.load(directory)
    assert cycle == ReviewCycle(seed=1)


def test_damaged_or_missing_workspace_is_named(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a review workspace"):
        load_records(tmp_path)
    directory = _workspace(tmp_path)
    (directory / "allegations.json").write_text('[{"code": 1}]', encoding="utf-8")
    with pytest.raises(WorkspaceError, match="allegations.json: damaged"):
        load_records(directory)


ALLOWED = {
    "accept": {AllegationState.RECEIVED: AllegationState.ACCEPTED},
    "reject": {AllegationState.RECEIVED: AllegationState.REJECTED},
    "merge": {AllegationState.RECEIVED: AllegationState.MERGED},
    "link": {s: s for s in (AllegationState.RECEIVED, AllegationState.ACCEPTED,
                            AllegationState.FOLLOW_UP)},
    "unlink": {s: s for s in (AllegationState.RECEIVED, AllegationState.ACCEPTED)},
    "follow_up": {AllegationState.ACCEPTED: AllegationState.FOLLOW_UP},
    "close": {AllegationState.FOLLOW_UP: AllegationState.CLOSED},
}  # fmt: skip


def _apply(name: str, allegation: Allegation, other: Allegation, on: date) -> Allegation:
    if name == "accept":
        return accept(allegation, on, "o")
    if name == "reject":
        return reject(allegation, on, "o", "reason")
    if name == "merge":
        return merge(allegation, other, on, "o")
    if name == "link":
        return link(allegation, f"T{on.day}", on, "o")
    if name == "unlink":
        return unlink(allegation, on, "o")
    if name == "follow_up":
        return choose_follow_up(allegation, FollowUp.SCREENING_NOW, on, "o")
    return close(allegation, on, "o", "done")


@given(st.lists(st.sampled_from(sorted(ALLOWED)), max_size=12))
@settings(max_examples=200, deadline=None)
def test_any_sequence_of_steps_follows_the_state_table(steps: list[str]) -> None:
    other = received()
    allegation = received()
    for number, name in enumerate(steps):
        on = DAY + timedelta(days=number)
        before = allegation
        try:
            allegation = _apply(name, allegation, other, on)
        except AllegationError:
            allowed = before.state in ALLOWED[name]
            needs_link = name in ("follow_up", "unlink") and not before.thesis_id
            assert not allowed or needs_link, (name, before.state)
            continue
        assert ALLOWED[name][before.state] is allegation.state
        assert len(allegation.events) == len(before.events) + 1
        assert allegation.code == before.code and allegation.report == before.report
        if allegation.state is AllegationState.FOLLOW_UP:
            assert allegation.thesis_id and allegation.follow_up is not None
    view = institution_view([allegation], "甲大学")
    assert REPORTER.name not in repr(view) and allegation.code not in repr(view)
