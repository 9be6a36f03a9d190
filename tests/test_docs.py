"""Documents that are generated from code stay in step with it."""

from pathlib import Path

from customer_classification.contracts.markdown import contract_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_data_contract_doc_matches_the_declared_contract():
    committed = (DOCS / "data_contract.md").read_text()
    assert committed == contract_markdown(), (
        "docs/data_contract.md is stale: python -m customer_classification.contracts.markdown > docs/data_contract.md"
    )
