"""``tag_system``: basic, financial and non-financial customer tags declared in YAML (M3, M4)."""

from customer_classification.pipelines.tag_system.pipeline import create_pipeline

__all__ = ["create_pipeline"]
