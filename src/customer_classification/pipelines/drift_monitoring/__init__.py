"""``drift_monitoring``: population stability (PSI) of the champions' features and scores."""

from customer_classification.pipelines.drift_monitoring.pipeline import create_pipeline

__all__ = ["create_pipeline"]
