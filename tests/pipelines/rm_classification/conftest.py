"""Client-category tables built from RM books, for the tests of rm_classification."""

from __future__ import annotations

import pandas as pd


def client_table(books: dict, first_customer_id: int = 1) -> pd.DataFrame:
    """A client-category table from ``{rm_id: (n_clients, {category: clients holding it})}``.

    The RM's clients are numbered; the first ``k`` of them hold a category held by
    ``k`` clients, and a client holding nothing gets one row with a null category.
    """
    rows = []
    customer_id = first_customer_id
    for rm_id, (n_clients, held) in books.items():
        for position in range(n_clients):
            categories = [c for c, k in held.items() if position < k]
            rows += [(customer_id, rm_id, c) for c in categories] or [(customer_id, rm_id, None)]
            customer_id += 1
    return pd.DataFrame(rows, columns=["customer_id", "rm_id", "category"])
