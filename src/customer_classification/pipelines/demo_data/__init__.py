"""``demo_data``: generate the demo bank's raw warehouse tables and its hidden truth."""

from customer_classification.pipelines.demo_data.pipeline import create_pipeline

__all__ = ["create_pipeline"]
