"""Warnings a user of the project cannot act on, each silenced for a stated reason.

Every entry names the message, the warning's class and the module that issues it,
so the same message from any other module (the project's own code included) still
shows. ``settings.py`` applies them to every ``kedro`` command; ``tests/conftest.py``
adds them to pytest's ``filterwarnings``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from pandas.errors import Pandas4Warning
from pydantic.warnings import PydanticDeprecatedSince211


@dataclass(frozen=True)
class Unactionable:
    message: str  # a regular expression matched against the start of the message
    category: type[Warning]
    module: str  # a regular expression matched against the issuing module's name
    reason: str

    @property
    def pytest_filter(self) -> str:
        """The entry in the ``action:message:category:module`` form of pytest's ``filterwarnings``."""
        category = f"{self.category.__module__}.{self.category.__qualname__}"
        return f"ignore:{self.message}:{category}:{self.module}"


UNACTIONABLE = (
    Unactionable(
        r"register_new_resolver\(\) is deprecated",
        UserWarning,
        r"kedro\.config\.omegaconf_config",
        "Kedro's own config loader registers its resolvers through OmegaConf's deprecated call; "
        "the project registers none, and only a Kedro release can change it.",
    ),
    Unactionable(
        r"One or more dataset names contain '\.' characters",
        UserWarning,
        r"kedro\.pipeline\.node",
        "champion.<artefact>, decided.<artefact> and <group>.segment_model are the project's public "
        "dataset names (catalog, docs, scheduled runs); the dot in them is deliberate, not a namespace.",
    ),
    Unactionable(
        r"Accessing the 'model_fields' attribute on the instance is deprecated",
        PydanticDeprecatedSince211,
        r"kedro\.validation\.utils",
        "Kedro's parameter validator reads model_fields on each typed parameter instance; "
        "only a Kedro release can change it.",
    ),
    Unactionable(
        r"The copy keyword is deprecated",
        Pandas4Warning,
        r"pyspark\.sql\.pandas\.types",
        "PySpark's Arrow conversion passes pandas 3 a deprecated argument, once per column of every "
        "frame it converts; only a PySpark release can change it.",
    ),
    Unactionable(
        r"PySpark does not yet fully support pandas >= 3\.0\.0",
        FutureWarning,
        r"pyspark\.",
        "The project runs on pandas 3; what the score computes on Spark is checked value for value "
        "against the local run (tests/test_spark_score.py).",
    ),
)


def ignore_unactionable_warnings() -> None:
    for entry in UNACTIONABLE:
        warnings.filterwarnings("ignore", message=entry.message, category=entry.category, module=entry.module)
