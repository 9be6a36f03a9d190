"""``product_recommendation``: collaborative filtering and campaign-response models blended into top-k categories (M4)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
