from kedro.pipeline import Node, Pipeline

from customer_classification.demo_bank.bank import CHUNKED_TABLES
from customer_classification.pipelines.demo_data.nodes import (
    generate_customer_tables,
    make_products,
    make_relationship_managers,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(make_products, inputs=None, outputs="products", name="make_products"),
            Node(
                make_relationship_managers,
                inputs="params:demo_bank",
                outputs=["relationship_managers", "demo_rm_truth"],
                name="make_relationship_managers",
            ),
            Node(
                generate_customer_tables,
                inputs=["params:demo_bank", "demo_rm_truth"],
                outputs=list(CHUNKED_TABLES),
                name="generate_customer_tables",
            ),
        ],
        tags="demo_data",
        namespace="demo_data",
        prefix_datasets_with_namespace=False,
    )
