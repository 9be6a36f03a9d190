"""M2: predicted credit-line utilization and potential loan customers above a threshold."""

from customer_classification.pipelines.loan_demand.pipeline import create_pipeline

__all__ = ["create_pipeline"]
