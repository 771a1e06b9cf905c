"""The proof of work of public allegations: solutions verify, tampering and reuse never do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from api import proof_of_work
from api.migrations import upgrade_to_head
from api.storage.db import make_engine, make_session_factory

SECRET = "proof-of-work-test-secret-0123456789"


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    url = f"sqlite:///{tmp_path_factory.mktemp('pow') / 'pow.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


@settings(max_examples=40, deadline=None)
@given(bits=st.integers(min_value=0, max_value=8))
def test_a_solution_verifies_once(sessions: object, bits: int) -> None:
    challenge = proof_of_work.issue(SECRET, bits, 600)
    counter = proof_of_work.solve(challenge.token, bits)
    assert (
        proof_of_work.leading_zero_bits(proof_of_work.work_digest(challenge.token, counter)) >= bits
    )
    with sessions() as session:  # type: ignore[operator]
        proof_of_work.verify(session, SECRET, challenge.token, counter, bits)
        session.commit()
        with pytest.raises(proof_of_work.ProofRefused, match="already been used"):
            proof_of_work.verify(session, SECRET, challenge.token, counter, bits)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_change_to_the_challenge_is_refused(sessions: object, data: st.DataObject) -> None:
    challenge = proof_of_work.issue(SECRET, 4, 600)
    counter = proof_of_work.solve(challenge.token, 4)
    position = data.draw(st.integers(min_value=0, max_value=len(challenge.token) - 1))
    replacement = data.draw(st.sampled_from("0123456789abcdefABCDEF._-xyz"))
    tampered = challenge.token[:position] + replacement + challenge.token[position + 1 :]
    session: Session
    with sessions() as session:  # type: ignore[operator]
        if tampered == challenge.token:
            return
        with pytest.raises(proof_of_work.ProofRefused):
            proof_of_work.verify(session, SECRET, tampered, counter, 4)


def test_a_wrong_secret_an_expiry_and_a_weak_difficulty_are_refused(sessions: object) -> None:
    strong = proof_of_work.issue(SECRET, 6, 600)
    counter = proof_of_work.solve(strong.token, 6)
    expired = proof_of_work.issue(SECRET, 6, 600, now=0)
    with sessions() as session:  # type: ignore[operator]
        with pytest.raises(proof_of_work.ProofRefused, match="not issued"):
            proof_of_work.verify(session, "another-secret-0123456789", strong.token, counter, 6)
        with pytest.raises(proof_of_work.ProofRefused, match="easier"):
            proof_of_work.verify(session, SECRET, strong.token, counter, 7)
        with pytest.raises(proof_of_work.ProofRefused, match="expired"):
            proof_of_work.verify(
                session, SECRET, expired.token, proof_of_work.solve(expired.token, 6), 6
            )
        with pytest.raises(proof_of_work.ProofRefused, match="missing"):
            proof_of_work.verify(session, SECRET, "", "", 6)
