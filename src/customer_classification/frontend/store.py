"""The front end's SQLite store: every publication kept, pages read the latest complete one.

A publication is written in one transaction (its record, its rows and its summaries), so a
page never sees half of one and a refused publication leaves nothing behind. Customer cards
are looked up by pseudonym through an index on ``(customer, publication_id)``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from customer_classification.frontend.schemas import CustomerCard

SEGMENTS, CUSTOMERS, RM_TYPES = "segments", "customers", "rm_types"

SCHEMA = """
CREATE TABLE IF NOT EXISTS publications (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    received_at TEXT NOT NULL,
    records INTEGER NOT NULL,
    body TEXT
);
CREATE INDEX IF NOT EXISTS publications_latest ON publications (kind, name, id);
CREATE TABLE IF NOT EXISTS customers (
    publication_id INTEGER NOT NULL REFERENCES publications (id),
    customer TEXT NOT NULL,
    branch_id TEXT,
    rm_id INTEGER,
    tier TEXT,
    upgrade_probability REAL,
    potential_loan INTEGER,
    card TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_lookup ON customers (customer, publication_id);
CREATE INDEX IF NOT EXISTS customers_by_rm ON customers (publication_id, rm_id);
CREATE TABLE IF NOT EXISTS rm_tier_counts (
    publication_id INTEGER NOT NULL REFERENCES publications (id),
    branch_id TEXT,
    rm_id INTEGER,
    tier TEXT,
    customers INTEGER NOT NULL,
    potential_loan INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_tier_counts_publication ON rm_tier_counts (publication_id);
"""


class PublicationInProgress(RuntimeError):
    pass


class CustomerWriter:
    """The cards of one customer publication, written inside its transaction."""

    def __init__(self, connection: sqlite3.Connection, publication: int):
        self.connection, self.publication = connection, publication
        self.snapshots: set[dt.date] = set()
        self.total = 0

    def add(self, cards: list[CustomerCard]) -> None:
        self.snapshots |= {card.snapshot for card in cards}
        self.total += len(cards)
        self.connection.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    self.publication,
                    card.customer,
                    card.branch_id,
                    card.rm_id,
                    card.tier,
                    card.upgrade_probability,
                    card.potential_loan_customer,
                    card.model_dump_json(),
                )
                for card in cards
            ],
        )

    def finish(self) -> None:
        """Check the publication as a whole and write its per-RM summary."""
        if self.total == 0:
            raise ValueError("the publication holds no customer card")
        if len(self.snapshots) > 1:
            raise ValueError(f"one snapshot per publication; the cards have {sorted(map(str, self.snapshots))}")
        self.connection.execute(
            "UPDATE publications SET snapshot = ?, records = ? WHERE id = ?",
            (self.snapshots.pop().isoformat(), self.total, self.publication),
        )
        self.connection.execute(
            """INSERT INTO rm_tier_counts
               SELECT publication_id, branch_id, rm_id, tier, count(*), coalesce(sum(potential_loan), 0)
               FROM customers WHERE publication_id = ? GROUP BY branch_id, rm_id, tier""",
            (self.publication,),
        )


class Store:
    """Publications in one SQLite file; safe to share between the server's threads."""

    def __init__(self, path: str | Path, keep_customer_publications: int = 3):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # older customer publications keep their record, their rows are dropped (1M rows each)
        self.keep_customer_publications = keep_customer_publications
        self._write_lock = threading.Lock()
        with self._connection() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        try:
            yield connection
        finally:
            connection.close()

    # ---- writing -----------------------------------------------------------------
    def _insert_publication(
        self, connection: sqlite3.Connection, kind: str, name: str, snapshot: dt.date, records: int, body: Any
    ) -> int:
        cursor = connection.execute(
            "INSERT INTO publications (kind, name, snapshot, received_at, records, body) VALUES (?, ?, ?, ?, ?, ?)",
            (
                kind,
                name,
                snapshot.isoformat(),
                dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),  # UTC
                records,
                None if body is None else json.dumps(body),
            ),
        )
        return cursor.lastrowid

    def publish_document(self, kind: str, name: str, snapshot: dt.date, records: int, body: dict) -> int:
        """A segments or RM-types publication: one JSON document."""
        with self._write_lock, self._connection() as connection, connection:
            return self._insert_publication(connection, kind, name, snapshot, records, body)

    @contextlib.contextmanager
    def customer_publication(self) -> Iterator[CustomerWriter]:
        """A customer publication to add cards to; committed as one when the block ends without
        an error, else rolled back (nothing stored). Only one publication is written at a time."""
        if not self._write_lock.acquire(blocking=False):
            raise PublicationInProgress("another publication is being written; try again when it is done")
        try:
            with self._connection() as connection, connection:
                writer = CustomerWriter(
                    connection, self._insert_publication(connection, CUSTOMERS, "", dt.date.min, 0, None)
                )
                yield writer
                writer.finish()
                self._drop_old_customer_rows(connection, writer.publication)
        finally:
            self._write_lock.release()

    def _drop_old_customer_rows(self, connection: sqlite3.Connection, latest: int) -> None:
        kept = connection.execute(
            "SELECT id FROM publications WHERE kind = ? AND id <= ? ORDER BY id DESC LIMIT ?",
            (CUSTOMERS, latest, self.keep_customer_publications),
        ).fetchall()
        oldest_kept = min(row["id"] for row in kept)
        connection.execute("DELETE FROM customers WHERE publication_id < ?", (oldest_kept,))

    # ---- reading -----------------------------------------------------------------
    def publications(self, kind: str | None = None, name: str | None = None) -> list[dict]:
        """Every publication's record (newest first), without its body."""
        query = "SELECT id, kind, name, snapshot, received_at, records FROM publications"
        clauses = [(column, value) for column, value in (("kind", kind), ("name", name)) if value is not None]
        if clauses:
            query += " WHERE " + " AND ".join(f"{column} = ?" for column, _ in clauses)
        with self._connection() as connection:
            rows = connection.execute(query + " ORDER BY id DESC", [value for _, value in clauses]).fetchall()
        return [dict(row) for row in rows]

    def latest_id(self, kind: str, name: str = "") -> int | None:
        with self._connection() as connection:
            row = connection.execute(
                "SELECT max(id) AS id FROM publications WHERE kind = ? AND name = ?", (kind, name)
            ).fetchone()
        return row["id"]

    def document(self, kind: str, name: str = "", publication: int | None = None) -> dict | None:
        """A publication's record and body: ``publication`` if given, else the latest of ``kind`` and ``name``."""
        publication = publication if publication is not None else self.latest_id(kind, name)
        with self._connection() as connection:
            row = connection.execute(
                "SELECT * FROM publications WHERE id = ? AND kind = ? AND name = ?", (publication, kind, name)
            ).fetchone()
        if row is None:
            return None
        return {**dict(row), "body": json.loads(row["body"])}

    def segment_groups(self) -> list[dict]:
        """The latest publication of each segment group."""
        with self._connection() as connection:
            rows = connection.execute(
                """SELECT id, name, snapshot, received_at, records FROM publications
                   WHERE id IN (SELECT max(id) FROM publications WHERE kind = ? GROUP BY name) ORDER BY name""",
                (SEGMENTS,),
            ).fetchall()
        return [dict(row) for row in rows]

    def customer(self, pseudonym: str) -> dict | None:
        """The customer's card in the latest customer publication, looked up through the index."""
        latest = self.latest_id(CUSTOMERS)
        with self._connection() as connection:
            row = connection.execute(
                "SELECT card FROM customers WHERE customer = ? AND publication_id = ?", (pseudonym, latest)
            ).fetchone()
        return None if row is None else json.loads(row["card"])

    def rm_tier_counts(self) -> list[dict]:
        """Customers per branch, RM and tier in the latest customer publication, with potential loan customers."""
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT branch_id, rm_id, tier, customers, potential_loan FROM rm_tier_counts WHERE publication_id = ?",
                (self.latest_id(CUSTOMERS),),
            ).fetchall()
        return [dict(row) for row in rows]

    def rm_customers(self, rm_id: int | None, limit: int = 200) -> list[dict]:
        """An RM's customers to call first: potential loan customers and the best tiers, most likely first."""
        rm_clause = "rm_id IS NULL" if rm_id is None else "rm_id = ?"
        with self._connection() as connection:
            rows = connection.execute(
                f"""SELECT customer, tier, upgrade_probability, potential_loan FROM customers
                    WHERE publication_id = ? AND {rm_clause}
                    ORDER BY potential_loan DESC, tier IS NULL, tier, upgrade_probability DESC LIMIT ?""",
                (self.latest_id(CUSTOMERS), *([] if rm_id is None else [rm_id]), limit),
            ).fetchall()
        return [dict(row) for row in rows]
