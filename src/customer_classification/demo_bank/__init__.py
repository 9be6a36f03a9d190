"""A seeded, persona-driven retail bank in the raw warehouse contract.

Used by the ``demo_data`` pipeline; its hidden truth (``demo_truth``) is read only
by evaluation code.
"""
