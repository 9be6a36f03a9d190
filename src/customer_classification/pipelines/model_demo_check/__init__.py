"""``model_demo_check``: the M1 and M2 models against the demo bank's planted truth (demo only)."""

from customer_classification.pipelines.model_demo_check.pipeline import create_pipeline

__all__ = ["create_pipeline"]
