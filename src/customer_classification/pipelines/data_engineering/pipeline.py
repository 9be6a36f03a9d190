from kedro.pipeline import Node, Pipeline

from customer_classification.contracts import RAW_TABLES
from customer_classification.pipelines.data_engineering import nodes
from customer_classification.pipelines.data_engineering.quality import REPAIR_ORDER

PARAMS = "params:data_engineering"
# the contract's table order, which validate_raw_tables' arguments follow
RAW_INPUTS = list(RAW_TABLES)


def create_pipeline(**kwargs) -> Pipeline:
    validated = {f"validated_{name}": f"validated_{name}" for name in REPAIR_ORDER}
    return Pipeline(
        [
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
            Node(
                nodes.aggregate_balances,
                inputs=["validated_holdings", "validated_products", "data_quality_report", PARAMS],
                outputs="customer_month_balances",
                name="aggregate_balances",
            ),
            Node(
                nodes.aggregate_transactions,
                inputs=["validated_transactions", "data_quality_report", PARAMS],
                outputs="customer_month_transactions",
                name="aggregate_transactions",
            ),
            Node(
                nodes.aggregate_credit,
                inputs=["validated_credit_lines", "data_quality_report", PARAMS],
                outputs="customer_month_credit",
                name="aggregate_credit",
            ),
            Node(
                nodes.aggregate_digital,
                inputs=["validated_digital_events", "data_quality_report", PARAMS],
                outputs="customer_month_digital",
                name="aggregate_digital",
            ),
            Node(
                nodes.aggregate_campaigns,
                inputs=["validated_campaign_responses", "data_quality_report", PARAMS],
                outputs="customer_month_campaigns",
                name="aggregate_campaigns",
            ),
            Node(
                nodes.build_customer_features,
                inputs=[
                    "int_customers",
                    "customer_month_balances",
                    "customer_month_transactions",
                    "customer_month_credit",
                    "customer_month_digital",
                    "customer_month_campaigns",
                    PARAMS,
                ],
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
        ],
        tags="data_engineering",
    )
