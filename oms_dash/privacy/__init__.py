"""Privacy by default, in three jobs (pure functions: no Streamlit, no plotly):

- ``scan``: which columns of an upload identify people (names, contact details, ID numbers, dates
  of birth) and are dropped before anything is shown, and the contact details blanked in the rest;
  which columns are quasi-identifiers (age, sex, country) shown only in aggregates.
- ``labels``: what is shown of the data kept: "Member A" for a member code, letters for a column,
  age bands, and the small-group threshold below which group figures are hidden.
- ``csv_safety``: downloads whose cells cannot run as spreadsheet formulas.

The names the rest of oms_dash uses are importable from here.
"""

from oms_dash.privacy.csv_safety import to_csv_bytes
from oms_dash.privacy.labels import (
    AGE_BANDS,
    AGE_UNKNOWN,
    DEFAULT_MIN_GROUP_SIZE,
    age_band,
    column_letter,
    member_labels,
    min_group_size,
    set_min_group_size,
)
from oms_dash.privacy.scan import (
    REMOVED,
    find_quasi_identifier_columns,
    is_quasi_identifier,
    redact_text,
    scan_table,
)

__all__ = [
    "AGE_BANDS", "AGE_UNKNOWN", "DEFAULT_MIN_GROUP_SIZE", "REMOVED", "age_band", "column_letter",
    "find_quasi_identifier_columns",
    "is_quasi_identifier", "member_labels", "min_group_size", "redact_text", "scan_table",
    "set_min_group_size", "to_csv_bytes",
]
