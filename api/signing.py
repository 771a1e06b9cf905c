"""The one keyed-hash helper of the service: API key hashes, portal tokens, cookies, CSRF.

HMAC-SHA256 under the deployment's secret key. A `purpose` is prefixed (`purpose:value`) so a
digest made for one use (a cookie) is never valid for another (a CSRF token); API key hashes
have none, as they were first stored.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_digest(secret: str, value: str, purpose: str | None = None) -> str:
    """HMAC-SHA256 (hex) of `purpose:value`, or of `value` alone without a purpose."""
    message = value if purpose is None else f"{purpose}:{value}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def digests_match(given: str, expected: str) -> bool:
    """Constant-time comparison, so timing does not reveal how much of a digest matched."""
    return hmac.compare_digest(given.encode(), expected.encode())
