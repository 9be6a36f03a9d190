from kedro.pipeline import Node, Pipeline

from customer_classification.contracts import RAW_TABLES
from customer_classification.node_tags import SCORING
from customer_classification.pipelines.data_engineering import nodes
from customer_classification.pipelines.data_engineering.quality import REPAIR_ORDER

PARAMS = "params:data_engineering"
# the contract's table order, which validate_raw_tables' arguments follow
RAW_INPUTS = list(RAW_TABLES)


# each monthly aggregate: the validated tables it reads (then the quality report, which sizes its buckets)
AGGREGATES = {
    "balances": ["validated_holdings", "validated_products"],
    "transactions": ["validated_transactions"],
    "credit": ["validated_credit_lines", "validated_credit_line_events"],
    "digital": ["validated_digital_events"],
    "campaigns": ["validated_campaign_responses"],
}


def _validation_nodes() -> list[Node]:
    validated = {f"validated_{name}": f"validated_{name}" for name in REPAIR_ORDER}
    return [
        Node(
            nodes.validate_raw_tables,
            inputs=[*RAW_INPUTS, PARAMS],
            outputs={
                **validated,
                "data_quality_report": "data_quality_report",
                "data_quality_table": "data_quality_table",
            },
            name="validate_raw_tables",
        ),
        Node(
            nodes.protect_customer_pii,
            inputs=["validated_customers", "pseudonym_key"],
            outputs="int_customers",
            name="protect_customer_pii",
        ),
        Node(
            nodes.protect_rm_pii,
            inputs="validated_relationship_managers",
            outputs="int_relationship_managers",
            name="protect_rm_pii",
        ),
    ]


def _aggregate_nodes() -> list[Node]:
    return [
        Node(
            getattr(nodes, f"aggregate_{name}"),
            inputs=[*tables, "data_quality_report", PARAMS],
            outputs=f"customer_month_{name}",
            name=f"aggregate_{name}",
        )
        for name, tables in AGGREGATES.items()
    ]


def _feature_nodes() -> list[Node]:
    monthly = [f"customer_month_{name}" for name in AGGREGATES]
    return [
        Node(
            nodes.build_customer_features,
            inputs=["int_customers", *monthly, PARAMS],
            outputs="customer_features",
            name="build_customer_features",
        ),
        Node(
            nodes.build_model_labels,
            inputs=[
                "int_customers",
                "customer_month_balances",
                "customer_month_credit",
                "customer_month_campaigns",
                PARAMS,
            ],
            outputs="model_labels",
            name="build_model_labels",
        ),
        Node(nodes.summarise_labels, inputs="model_labels", outputs="model_label_summary", name="summarise_labels"),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    # every node fits nothing: the score cycle reruns the whole pipeline
    return Pipeline(
        [*_validation_nodes(), *_aggregate_nodes(), *_feature_nodes()],
        tags=["data_engineering", SCORING],
        namespace="data_engineering",
        prefix_datasets_with_namespace=False,
    )
