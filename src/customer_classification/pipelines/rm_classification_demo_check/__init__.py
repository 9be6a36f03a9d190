"""``rm_classification_demo_check``: the RM types against the demo bank's planted specialists (demo only)."""

from customer_classification.pipelines.rm_classification_demo_check.pipeline import create_pipeline

__all__ = ["create_pipeline"]
