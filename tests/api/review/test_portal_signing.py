"""Portal cookies and CSRF tokens: only what the service signed is accepted."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from api.routes.portal import csrf_for, signed_cookie, unsigned_cookie

SECRET = "portal-test-secret-0123456789"
TOKENS = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    min_size=1,
    max_size=60,
)


@given(TOKENS)
def test_a_signed_cookie_round_trips(token: str) -> None:
    assert unsigned_cookie(SECRET, signed_cookie(SECRET, token)) == token


@given(TOKENS, st.integers(min_value=0, max_value=200), st.characters(codec="ascii"))
def test_any_change_to_a_signed_cookie_is_rejected(token: str, position: int, char: str) -> None:
    value = signed_cookie(SECRET, token)
    index = position % len(value)
    changed = value[:index] + char + value[index + 1 :]
    if changed != value:
        assert unsigned_cookie(SECRET, changed) is None


@given(TOKENS)
def test_cookies_and_csrf_depend_on_the_secret(token: str) -> None:
    assert unsigned_cookie("another-secret-0123456789", signed_cookie(SECRET, token)) is None
    assert csrf_for(SECRET, token) != csrf_for("another-secret-0123456789", token)
    assert csrf_for(SECRET, token) != csrf_for(SECRET, token + "x")
