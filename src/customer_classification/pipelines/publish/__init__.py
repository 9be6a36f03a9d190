"""What the front end receives: segment payloads, customer cards and RM types (docs/frontend.md)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
