"""``reporting``: figures, the self-contained HTML report and its key figures (docs/reporting.md)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
