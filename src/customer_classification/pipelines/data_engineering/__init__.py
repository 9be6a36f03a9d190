"""``data_engineering``: validated, privacy-safe, point-in-time customer features and labels."""

from customer_classification.pipelines.data_engineering.pipeline import create_pipeline

__all__ = ["create_pipeline"]
