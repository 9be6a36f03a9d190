"""A dataset that loads ``None`` where it has never been written."""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset


class OptionalDataset(AbstractDataset[Any, Any]):
    """Any dataset whose load gives ``None`` instead of failing when it has not been written.

    For outputs that exist only in some deployments, such as the demo bank's
    evaluations against planted truth: a node can declare them as inputs, Kedro
    still orders it after the node that writes them, and on a real bank (where
    nothing writes them) the node receives ``None`` and leaves that part out.
    Saving is the wrapped dataset's.

    Example::

        rm_demo_evaluation:
          type: customer_classification.datasets.OptionalDataset
          dataset: {type: json.JSONDataset, filepath: data/08_reporting/rm_demo_evaluation.json}
    """

    def __init__(self, *, dataset: dict[str, Any], metadata: dict[str, Any] | None = None):
        self._dataset = AbstractDataset.from_config("wrapped", dict(dataset))
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"dataset": self._dataset._describe(), "optional": True}

    def load(self) -> Any:
        return self._dataset.load() if self._dataset.exists() else None

    def save(self, data: Any) -> None:
        self._dataset.save(data)

    def _exists(self) -> bool:
        return self._dataset.exists()
