"""Fields of extracted documents and corpus records, which arrive as objects or mappings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def document_field(obj: Any, name: str, default: Any = None) -> Any:
    """`obj.name` or `obj[name]`, `default` when absent."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def split_names(value: Any) -> tuple[str, ...]:
    """Author names from a list or from one string separated by `;`, `、`, commas or `/`."""
    if value is None:
        return ()
    if isinstance(value, str):
        parts = re.split(r"[;；,，、/]|\s{2,}", value)
    else:
        parts = [str(v) for v in value]
    return tuple(p.strip() for p in parts if p and p.strip())
