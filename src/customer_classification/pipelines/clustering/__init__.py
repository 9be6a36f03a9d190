"""Segmentation under a target tag group (M3): K-means per group, profiles, product matching, publishing."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
