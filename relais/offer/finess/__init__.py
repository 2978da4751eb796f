"""FINESS import: the etalab CSV extract and the FINESS+ JSON into the offer directory.

- `records`: what the readers produce and the field checks they share;
- `etalab`, `finessplus`: the two readers (pure, no database);
- `projection`: projected etalab coordinates to WGS84 (pyproj);
- `sync`: the idempotent write; `importer`: detection, transaction, report;
- `categories`: the CNSA category table (`load_categories`).

See docs/decisions/0008-finess-import.md.
"""

from .importer import finess_import, summary_counts, summary_lines
from .records import FinessError

__all__ = ["FinessError", "finess_import", "summary_counts", "summary_lines"]
