"""PII protection: direct identifiers are dropped or replaced by keyed pseudonyms.

A pseudonym is HMAC-SHA256 of the identifier under a secret key: the same person
gets the same pseudonym in every source and every run with that key (so records
can still be matched), and nobody without the key can recompute it from a name or
an ID number. ``customer_id`` and ``rm_id`` are the bank's internal keys and stay.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import narwhals as nw

from customer_classification.contracts import RAW_TABLES

PSEUDONYM_LENGTH = 32  # hex characters kept of the 64 of SHA-256
# identifier -> pseudonym column; every other PII column is dropped
PSEUDONYMISED = {"customers": {"id_number": "person_key"}}


def _hmac_hex(key: bytes, value: str | None) -> str | None:
    if value is None:
        return None
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def _spark_hmac(column: str, key: bytes) -> Any:
    """HMAC-SHA256 as a Spark SQL expression: H((K^opad) || H((K^ipad) || m))."""
    from pyspark.sql import functions as F  # noqa: PLC0415 - only on the Spark engine

    block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    inner_pad = bytes(b ^ 0x36 for b in block).hex()
    outer_pad = bytes(b ^ 0x5C for b in block).hex()
    inner = F.sha2(F.concat(F.unhex(F.lit(inner_pad)), F.encode(F.col(column), "UTF-8")), 256)
    digest = F.sha2(F.concat(F.unhex(F.lit(outer_pad)), F.unhex(inner)), 256)
    return F.substring(digest, 1, PSEUDONYM_LENGTH)


def protect(native: Any, table: str, key: str) -> Any:
    """The table with its PII columns pseudonymised or dropped (same engine as given)."""
    if not key:
        raise ValueError("The pseudonymisation key is empty; set CC_PSEUDONYM_KEY or the pseudonym_key credential.")
    frame = nw.from_native(native)
    pii = RAW_TABLES[table].pii_columns
    renames = PSEUDONYMISED.get(table, {})
    secret = key.encode()
    if renames and frame.implementation.is_pyspark():
        spark_frame = nw.to_native(frame)
        for source, target in renames.items():
            spark_frame = spark_frame.withColumn(target, _spark_hmac(source, secret))
        frame = nw.from_native(spark_frame)
    elif renames:
        eager = frame.collect() if isinstance(frame, nw.LazyFrame) else frame
        pseudonyms = {
            target: nw.new_series(
                target,
                [_hmac_hex(secret, v) for v in eager[source].to_list()],
                nw.String,
                backend=eager.implementation,
            )
            for source, target in renames.items()
        }
        frame = eager.with_columns(**pseudonyms)
    return frame.drop(*pii).to_native()
