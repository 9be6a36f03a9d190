"""``MlflowChampionDataset``: the champion of one artefact, read from MLflow's model registry
by alias (``models:/<prefix><artefact>@champion``): what ``score`` reads."""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset, DatasetError

from customer_classification.tracking import use_session_store


class MlflowChampionDataset(AbstractDataset[None, Any]):
    """The version of ``<prefix><artefact>`` that carries ``alias`` (read-only). The tracking
    store is the one the session's MLflow hook configured (conf/base/mlflow.yml, or ``MLFLOW_TRACKING_URI``).

    Example::

        "champion.{artefact}":
          type: customer_classification.datasets.MlflowChampionDataset
          artefact: "{artefact}"
          prefix: customer_classification.
    """

    def __init__(self, *, artefact: str, prefix: str = "", alias: str = "champion", metadata: dict | None = None):
        self._artefact = artefact
        self._name = prefix + artefact
        self._alias = alias
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"model": self._name, "alias": self._alias}

    def load(self) -> Any:
        from mlflow.exceptions import MlflowException  # noqa: PLC0415 - MLflow takes seconds to import

        from customer_classification.mlflow_registry import load_by_alias  # noqa: PLC0415

        use_session_store()
        try:
            return load_by_alias(self._name, self._alias)
        except MlflowException as error:
            import mlflow  # noqa: PLC0415

            raise DatasetError(
                f"no MLflow model version {self._name}@{self._alias} in {mlflow.get_tracking_uri()}: run "
                f"`kedro run --pipelines retrain` once to train and register the champions that `score` uses ({error})"
            ) from error

    def save(self, data: None) -> None:
        raise DatasetError(f"{self._name}@{self._alias} is read-only: a retrain changes champions through the registry")

    def _exists(self) -> bool:
        from mlflow import MlflowClient  # noqa: PLC0415
        from mlflow.exceptions import MlflowException  # noqa: PLC0415

        use_session_store()
        try:
            MlflowClient().get_model_version_by_alias(self._name, self._alias)
        except MlflowException:
            return False
        return True
