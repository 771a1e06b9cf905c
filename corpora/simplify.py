"""Traditional → simplified Chinese for matching headings and labels (never for stored text).

Theses from Taiwan, Hong Kong and Macao write 目錄, 參考文獻, 致謝, 指導教授; matching converts
short strings with OpenCC first. Strings that GB2312 can encode are simplified already and skip
the (slow, pure-Python) conversion.
"""

from __future__ import annotations

from functools import lru_cache

import opencc

_CONVERTER: opencc.OpenCC | None = None


@lru_cache(maxsize=8192)
def to_simplified(text: str) -> str:
    """`text` in simplified characters; the same length whenever the conversion allows."""
    global _CONVERTER
    try:
        text.encode("gb2312")
        return text
    except UnicodeEncodeError:
        pass
    if _CONVERTER is None:
        _CONVERTER = opencc.OpenCC("t2s")
    return _CONVERTER.convert(text)
