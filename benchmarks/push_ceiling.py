"""How far the push evaluation's targets lie from what the demo bank's own draws allow.

    kedro run                                             # the demo bank and the push evaluation
    python benchmarks/push_ceiling.py --workdir .         # in that project

The demo bank draws every customer's acquisitions from monthly hazards per category (the
``acquisition_hazard_<category>`` columns of ``demo_truth``) and the product within a category by
a rule: the category's premium product for high earners (true income more than 0.8 log-income
standard deviations above the reference), the business loan for small-business owners, otherwise
one of the category's products drawn at random once per customer, which no table shows before
the customer takes it. Ranking the test customers' candidates by these planted figures is what a
model that had learnt the bank perfectly would do: the **ceiling**.

- category: the candidates ranked by their hazard (no model reads ``demo_truth``);
- product: by hazard x the chance of that product: 1 for the product of the category the customer
  held in an earlier month (a customer always takes the same one, so the history shows it), else
  the rule's (1 for a high earner's premium product and a small-business owner's business loan,
  1 / the category's products otherwise);
- product, knowing the draw: the same with each customer's drawn product (an upper bound that no
  data can reach: the draw is seen only once taken).

Where the ceiling's lead comes from: each hazard is the customer's persona's affinity, moved by
hidden traits (interest in wealth products, propensity to spend, income and prime age, a
specialist relationship manager) and by a taste of the customer's own (a normal draw per
category, standard deviation 0.45 on the log hazard: no table holds it, product views and
campaign answers carry traces of it). Both levels are ranked again by the hazards without the
relationship manager's specialism ("no_rm"), without the taste ("type": persona and traits) and
from the persona alone ("persona"): what a model that knew each customer's type, or only their
persona, exactly could reach.

The customers, labels and held items are those of ``evaluate_push`` (the test snapshot and the
test holdout group; the counts are checked against ``portrait_push_summary.json``); the hidden
traits are drawn again from the demo bank's seed, checked against the written ``customers``
table and the hazards drawn again checked against ``demo_truth``'s. Prints, per level and
ceiling, its hit rate and MAP at k against the push model and popularity (the JSON adds the
push model's share of each ceiling), and saves ``benchmarks/results/push_ceiling.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from unittest import mock

import narwhals as nw
import numpy as np
import pandas as pd
from common import machine, save
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from customer_classification.demo_bank import bank
from customer_classification.demo_bank import catalogue as cat
from customer_classification.demo_bank import customers as demo_customers
from customer_classification.demo_bank.params import DemoBankParams
from customer_classification.pipelines.portrait_push import nodes
from customer_classification.pipelines.product_recommendation.scoring import hit_rate_and_map, rank_candidates
from customer_classification.taxonomy import PRODUCT_CATEGORIES

PREMIUM_Z_INCOME = 0.8  # the demo bank's rule (demo_bank/customers.py, _product_choice)
REFERENCE_INCOME = 90_000
CATEGORY_OF = {product[0]: product[2] for product in cat.PRODUCTS}  # product id -> its category
# the hazards: demo_truth's (the ceiling), drawn again (checked equal to it), and without parts of them
HAZARDS = {
    "": "acquisition_hazard_",
    "drawn": "drawn_hazard_",
    "no_rm": "no_rm_hazard_",
    "type": "type_hazard_",
    "persona": "persona_hazard_",
}


class _Taste:
    """Stands in for the bank's random generator where it draws each customer's taste: the given one."""

    def __init__(self, taste: np.ndarray | None = None):
        self.taste = taste

    def normal(self, loc: float, scale: float, size: tuple[int, int]) -> np.ndarray:
        return np.zeros(size) if self.taste is None else self.taste


class _Recording:
    """The bank's random generator, keeping the taste it draws."""

    def __init__(self, rng: np.random.Generator):
        self.rng, self.taste = rng, None

    def normal(self, loc: float, scale: float, size: tuple[int, int]) -> np.ndarray:
        self.taste = self.rng.normal(loc, scale, size)
        return self.taste


def _hazards_without_parts(drawn: list[dict[str, np.ndarray]]):
    """The bank's ``_category_hazards``, which also keeps each call's hazards without the taste
    (``type``), without the relationship manager's specialism (``no_rm``) and from the persona
    alone (``persona``); the bank's own draws are unchanged."""
    category_hazards = demo_customers._category_hazards

    def hazards(rng, persona, **traits):
        recording = _Recording(rng)
        planted = category_hazards(recording, persona, **traits)
        no_traits = {name: np.zeros_like(value, dtype=float) for name, value in traits.items()}
        no_rm = np.full(len(persona), -1)
        drawn.append(
            {
                "drawn": planted,
                "type": category_hazards(_Taste(), persona, **traits),
                "no_rm": category_hazards(_Taste(recording.taste), persona, **{**traits, "rm_specialism": no_rm}),
                "persona": category_hazards(_Taste(), persona, **{**no_traits, "rm_specialism": no_rm}),
            }
        )
        return planted

    return hazards


def hidden_traits(params: DemoBankParams, customers: pd.DataFrame) -> pd.DataFrame:
    """Per customer: persona, premium (a high earner), the drawn product index per category and
    the category hazards drawn again: as planted, without the manager's specialism, without the
    customer's taste, and from the persona alone."""
    _, rm_truth = bank.make_relationship_managers(params)
    frames = []
    for chunk in range(params.n_chunks):
        n = min(params.chunk_size, params.n_customers - chunk * params.chunk_size)
        variants: list[dict[str, np.ndarray]] = []
        with mock.patch.object(demo_customers, "_category_hazards", _hazards_without_parts(variants)):
            drawn, traits = demo_customers.draw_customers(bank._rng(params, 2, chunk), chunk, n, params, rm_truth)
        hazards = {
            f"{HAZARDS[kind]}{c}": values[:, k]
            for kind, values in variants[0].items()
            for k, c in enumerate(PRODUCT_CATEGORIES)
        }
        frame = pd.DataFrame(traits.product_choice, columns=[f"choice_{c}" for c in PRODUCT_CATEGORIES]).assign(
            **hazards,
            customer_id=drawn["customer_id"].to_numpy(),
            persona=np.array(cat.PERSONAS)[traits.persona],
            premium=(np.log(traits.income) - np.log(REFERENCE_INCOME)) / 0.6 > PREMIUM_Z_INCOME,
            birth_date=drawn["birth_date"].to_numpy(),
        )
        frames.append(frame)
    traits = pd.concat(frames, ignore_index=True)
    written = customers.set_index("customer_id")["birth_date"]
    same = traits.set_index("customer_id")["birth_date"].reindex(written.index) == written
    if same.mean() < 0.99:  # the bank spoils a few birth dates on purpose
        raise ValueError(f"the hidden traits drawn again do not match the written customers ({same.mean():.1%})")
    return traits.drop(columns="birth_date")


def products_seen(holdings: pd.DataFrame, before: pd.Timestamp) -> pd.DataFrame:
    """Per customer, the product of each category held (balance above zero) in any month before
    ``before``: a customer always takes the same product of a category, so it shows the draw."""
    seen = holdings[(holdings["month_end"] < before) & (holdings["balance"] > 0)]
    seen = seen[seen["product_id"].isin(CATEGORY_OF)].assign(category=lambda f: f["product_id"].map(CATEGORY_OF))
    seen = seen.drop_duplicates(["customer_id", "category"], keep="last")
    return seen.pivot(index="customer_id", columns="category", values="product_id").add_prefix("seen_").reset_index()


def product_scores(rows: pd.DataFrame, products: list[str], knowing_the_draw: bool, hazard: str = "") -> np.ndarray:
    members = {c: [p for p, owner in CATEGORY_OF.items() if owner == c] for c in PRODUCT_CATEGORIES}
    scores = np.zeros((len(rows), len(products)))
    for j, product in enumerate(products):
        category = CATEGORY_OF[product]
        if category == "current_account":  # the demo bank plants no acquisition of a current account
            continue
        within = members[category].index(product)
        if knowing_the_draw:
            chance = (np.minimum(rows[f"choice_{category}"].to_numpy(), 2) == within).astype(float)
        else:
            chance = np.where(rows["premium"], float(within == len(members[category]) - 1), 1 / len(members[category]))
            if category == "personal_loan":
                chance = np.where(rows["persona"] == "small_business_owner", float(within == 1), chance)
            seen = rows.get(f"seen_{category}", pd.Series(index=rows.index, dtype=object))
            chance = np.where(seen.notna(), (seen == product).astype(float), chance)
        scores[:, j] = rows[f"{HAZARDS[hazard]}{category}"].to_numpy() * chance
    return scores


def figures(scores: np.ndarray, held: np.ndarray, realised: pd.Series, items: list[str], k: int) -> dict:
    index = realised.map({item: i for i, item in enumerate(items)})
    known = index.notna().to_numpy()
    top = rank_candidates(scores[known], held[known], k)
    hit, average_precision = hit_rate_and_map(top, index[known].astype(int).to_numpy())
    return {
        "customers": int(known.sum()),
        f"hit_rate_at_{k}": round(hit, 4),
        f"map_at_{k}": round(average_precision, 4),
    }


def ranked_by_the_truth(rows: pd.DataFrame, products: list[str], k: int) -> dict[str, dict]:
    """Each ceiling's figures: per level, by the planted hazards, without the manager's specialism,
    without the taste and from the persona alone; at product level also knowing every customer's draw."""
    categories = [c for c in PRODUCT_CATEGORIES if c != "current_account"]
    held_categories = rows[[f"holds_{c}" for c in categories]].fillna(0).to_numpy() > 0
    held_products = rows[[f"holds_{p}" for p in products]].to_numpy()
    planted, drawn_again = (rows[[f"{HAZARDS[h]}{c}" for c in categories]].to_numpy() for h in ("", "drawn"))
    if not np.allclose(planted, drawn_again, rtol=1e-12, atol=0):
        raise ValueError("the hazards drawn again differ from demo_truth's")
    ceilings = {}
    for hazard, prefix in ((h, p) for h, p in HAZARDS.items() if h != "drawn"):
        suffix = f"_{hazard}" if hazard else ""
        ceilings[f"category{suffix}"] = figures(
            rows[[f"{prefix}{c}" for c in categories]].to_numpy(),
            held_categories,
            rows["next_product_category"],
            categories,
            k,
        )
        ceilings[f"product{suffix}"] = figures(
            product_scores(rows, products, False, hazard), held_products, rows["next_product"], products, k
        )
    ceilings["product_knowing_the_draw"] = figures(
        product_scores(rows, products, True), held_products, rows["next_product"], products, k
    )
    return ceilings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("."), help="a project after `kedro run` on the demo bank")
    root = parser.parse_args().workdir.resolve()
    bootstrap_project(root)
    with KedroSession.create(project_path=root) as session:
        context = session.load_context()
        catalog = context.catalog
        push = catalog.load("portrait_push_model")
        params = push.params
        rows = nodes._rows(
            *(catalog.load(name) for name in ("customer_features", "customer_tags", "lifestyle.cluster_assignments")),
            holdings := catalog.load("holdings"),
            catalog.load("products"),
            params,
            [params.test_snapshot],
        )
        labels = nodes.rows_of(
            catalog.load("model_labels"), [params.test_snapshot], [*nodes.KEYS, "next_product_category"]
        )
        demo = DemoBankParams.model_validate(context.params["demo_bank"])
        customers = pd.read_parquet(root / "data/01_raw/demo_bank/customers", columns=["customer_id", "birth_date"])
    rows = nodes.in_group(rows, params.customer_holdout, nodes.TEST_GROUP).merge(labels, on=nodes.KEYS, how="left")
    truth = pd.read_parquet(root / "data/01_raw/demo_truth/customers")
    rows = rows.merge(truth, on="customer_id", how="left", suffixes=("", "_truth"))
    rows = rows.merge(hidden_traits(demo, customers), on="customer_id", how="left", suffixes=("", "_drawn"))
    held_before = nw.from_native(holdings).lazy().collect().to_pandas()
    rows = rows.merge(products_seen(held_before, pd.Timestamp(params.test_snapshot)), on="customer_id", how="left")
    k = params.top_k
    ceilings = ranked_by_the_truth(rows, push.products, k)
    summary = json.loads((root / "data/08_reporting/portrait_push/portrait_push_summary.json").read_text())
    result = {"machine": machine(), "test_snapshot": summary["test_snapshot"], "k": k}
    print(f"{'level':26} {'customers':>9} {'hit rate':>9} {'MAP':>7}   over popularity (hit rate, MAP)")
    for name, ceiling in ceilings.items():
        level = summary[name.split("_")[0]]
        if ceiling["customers"] != level["customers"]:
            raise ValueError(f"{name}: {ceiling['customers']} customers, the evaluation had {level['customers']}")
        entry = {"ceiling": ceiling, "portrait_push": level["portrait_push"], "popularity": level["popularity"]}
        for who in ("ceiling", "portrait_push"):
            entry[f"{who}_over_popularity"] = {
                m: round(entry[who][m] / level["popularity"][m], 3) for m in (f"hit_rate_at_{k}", f"map_at_{k}")
            }
            print(
                f"{name + ' ' + who:26} {ceiling['customers']:>9} {entry[who][f'hit_rate_at_{k}']:>9} "
                f"{entry[who][f'map_at_{k}']:>7}   x{entry[f'{who}_over_popularity'][f'hit_rate_at_{k}']}, "
                f"x{entry[f'{who}_over_popularity'][f'map_at_{k}']}"
            )
        entry["portrait_push_of_ceiling"] = {
            m: round(level["portrait_push"][m] / ceiling[m], 3) for m in (f"hit_rate_at_{k}", f"map_at_{k}")
        }
        result[name] = entry
    print(f"saved {save('push_ceiling', result)}")


if __name__ == "__main__":
    main()
