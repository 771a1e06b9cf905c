"""The public surface of `exports` is pinned exactly."""

from __future__ import annotations

import exports


def test_exported_members_are_pinned() -> None:
    assert set(exports.__all__) == {
        "FORMULA_STARTS", "Table", "guard_cell", "render_csv", "staged_directory",
        "unguard_cell", "write_atomically", "write_bytes_atomically", "write_csv",
        "write_json_atomically", "write_text_atomically", "write_xlsx",
    }  # fmt: skip
    for name in exports.__all__:
        assert getattr(exports, name) is not None, name
