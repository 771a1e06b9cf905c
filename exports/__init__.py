"""Output files: written atomically, and tables (CSV, XLSX) that are safe to open in a spreadsheet.

Public surface:
- `write_atomically`, `write_text_atomically`, `write_bytes_atomically`, `write_json_atomically`:
  a temporary file beside the target, renamed into place (readers never see half a file);
- `staged_directory`: several files that appear together or not at all;
- `Table`, `render_csv`, `write_csv`, `write_xlsx`: every exported table, with the formula
  guard (`guard_cell` / `unguard_cell`) applied to each text cell.
"""

from exports.atomic import (
    staged_directory,
    write_atomically,
    write_bytes_atomically,
    write_json_atomically,
    write_text_atomically,
)
from exports.tables import (
    FORMULA_STARTS,
    Table,
    guard_cell,
    render_csv,
    unguard_cell,
    write_csv,
    write_xlsx,
)

__all__ = [
    "FORMULA_STARTS",
    "Table",
    "guard_cell",
    "render_csv",
    "staged_directory",
    "unguard_cell",
    "write_atomically",
    "write_bytes_atomically",
    "write_csv",
    "write_json_atomically",
    "write_text_atomically",
    "write_xlsx",
]
