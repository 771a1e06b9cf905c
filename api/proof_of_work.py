"""Proof of work for the one unauthenticated write (allegations): no third-party CAPTCHA.

The server issues a challenge `v1.<expires>.<bits>.<nonce>.<signature>`: an expiry (Unix
seconds), a difficulty in leading zero bits, a random nonce, and an HMAC of the rest under
the deployment's secret (`api.signing`), so the server keeps no state until it is redeemed.
The client searches a counter such that SHA-256 of `<challenge>:<counter>` (UTF-8) starts
with `bits` zero bits — about 2**bits hashes, cheap for one honest report, costly for a
flood — and sends both back. The server checks the signature, the expiry and the hash, and
records the nonce so that a challenge is redeemed at most once (`UsedChallenge`).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.signing import digests_match, keyed_digest
from api.storage.follow_up_models import UsedChallenge

VERSION = "v1"
PURPOSE = "proof-of-work"


class ProofRefused(ValueError):
    """The proof is missing, forged, expired, too weak or already used; the message says which."""


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int
    expires_at: datetime


def issue(secret: str, bits: int, ttl_seconds: int, now: float | None = None) -> Challenge:
    expires = int((time.time() if now is None else now) + ttl_seconds)
    body = f"{VERSION}.{expires}.{bits}.{secrets.token_urlsafe(18)}"
    token = f"{body}.{keyed_digest(secret, body, PURPOSE)[:32]}"
    return Challenge(token, bits, datetime.fromtimestamp(expires, UTC))


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def work_digest(token: str, counter: str) -> bytes:
    return hashlib.sha256(f"{token}:{counter}".encode()).digest()


def solve(token: str, bits: int) -> str:
    """The first counter meeting the difficulty (what the browser script does; for tests
    and API clients written in Python)."""
    counter = 0
    while leading_zero_bits(work_digest(token, str(counter))) < bits:
        counter += 1
    return str(counter)


def verify(
    session: Session,
    secret: str,
    token: str,
    counter: str,
    min_bits: int,
    now: float | None = None,
) -> None:
    """Checks the proof and marks its challenge used (in the caller's transaction, so a
    refused submission does not use it up); ProofRefused otherwise."""
    moment = time.time() if now is None else now
    if not token or not counter:
        raise ProofRefused("工作量证明缺失 the proof of work is missing (challenge and counter)")
    if len(token) > 200 or len(counter) > 40 or not counter.isdigit():
        raise ProofRefused("工作量证明格式错误 the proof of work is malformed")
    body, _, signature = token.rpartition(".")
    parts = body.split(".")
    if (
        len(parts) != 4
        or parts[0] != VERSION
        or not digests_match(signature, keyed_digest(secret, body, PURPOSE)[:32])
    ):
        raise ProofRefused("挑战无效 the challenge was not issued by this server")
    expires, bits = int(parts[1]), int(parts[2])
    if expires < moment:
        raise ProofRefused("挑战已过期 the challenge has expired; fetch a new one")
    if bits < min_bits:
        raise ProofRefused("挑战难度不足 the challenge is easier than this server requires")
    if leading_zero_bits(work_digest(token, counter)) < bits:
        raise ProofRefused("工作量证明不正确 the counter does not solve the challenge")
    session.execute(
        delete(UsedChallenge).where(UsedChallenge.expires_at < datetime.fromtimestamp(moment, UTC))
    )
    try:
        with session.begin_nested():
            session.add(
                UsedChallenge(nonce=parts[3], expires_at=datetime.fromtimestamp(expires, UTC))
            )
    except IntegrityError:
        raise ProofRefused("挑战已使用 the challenge has already been used") from None
