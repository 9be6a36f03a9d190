"""Values of PII columns as errors, logs and reports may show them."""

from __future__ import annotations

from typing import Any


def mask_pii(value: Any) -> Any:
    """A PII value's shape without its content: every letter ``x`` or ``X``, every digit ``9``.

    ``+86 138-1234-5678`` shows as ``+99 999-9999-9999``: enough to see a wrong format
    or a number stored without its separators, nothing to identify a person by.
    """
    if value is None or value != value:  # noqa: PLR0124 - NaN, pandas' missing value, is not equal to itself
        return None
    return "".join("9" if c.isdigit() else ("X" if c.isupper() else "x") if c.isalpha() else c for c in str(value))
