"""Statistical secrecy of the territory's tables: small counts hidden, and hidden counts kept from being recomputed.

Every count from 1 to 4 is shown as "< 5"; then, wherever a column (against its total row) or a row (against its row
total) holds exactly one hidden cell, the smallest other non-zero cell of that line is hidden too ("secret"),
repeatedly, so that no hidden figure can be recomputed by subtraction. See docs/decisions/0024-territory-view.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SMALL = 5
PRIMARY, SECONDARY = "< 5", "secret"


@dataclass
class Table:
    """Rows of integer cells and a total row; ``row_total`` when the last column adds up the others."""

    slug: str
    title: str
    columns: list[str]
    rows: list[tuple[str, list[int]]]
    total: list[int] | None = None
    row_total: bool = False
    note: str = ""
    display: list[list[str]] = field(default_factory=list)  # filled by ``suppress``/``present``

    def present(self, small_cells: bool) -> Table:
        grid = [values for _label, values in self.rows] + ([self.total] if self.total is not None else [])
        marks = (
            suppress(grid, has_total_row=self.total is not None, row_total=self.row_total) if not small_cells else {}
        )
        self.display = [[marks.get((i, j)) or f"{v}" for j, v in enumerate(values)] for i, values in enumerate(grid)]
        return self

    @property
    def body(self) -> list[tuple[str, list[str]]]:
        return [(label, self.display[i]) for i, (label, _v) in enumerate(self.rows)]

    @property
    def total_display(self) -> list[str] | None:
        return self.display[-1] if self.total is not None else None


def suppress(grid: list[list[int]], *, has_total_row: bool, row_total: bool) -> dict[tuple[int, int], str]:
    """Primary suppression: every cell from 1 to 4 (zero is shown: it discloses nobody). Secondary: wherever a
    line (a column, with the total row; a row, when its last cell is the row total) has exactly one suppressed
    cell, the smallest other non-zero cell of that line is suppressed too, until no line has a lone one, so no
    suppressed value can be recomputed by subtraction. Returns {(row, column): mark}."""
    marks = {(i, j): PRIMARY for i, row in enumerate(grid) for j, v in enumerate(row) if 0 < v < SMALL}
    n_rows, n_cols = len(grid), len(grid[0]) if grid else 0
    lines = []
    if has_total_row:
        lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    if row_total:
        lines += [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [c for c in line if c in marks]
            if len(hidden) != 1:
                continue
            candidates = [c for c in line if c not in marks and grid[c[0]][c[1]] > 0]
            if not candidates:
                continue
            smallest = min(candidates, key=lambda c: (grid[c[0]][c[1]], c))
            marks[smallest] = SECONDARY
            changed = True
    return marks
