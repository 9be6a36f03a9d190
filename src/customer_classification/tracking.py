"""Experiment tracking on MLflow: what a run that fits models logs (conf/base/mlflow.yml).

``MlflowTracking`` is a Kedro hook. It points MLflow at the configured store (the embedded
SQLite store under data/ by default; ``MLFLOW_TRACKING_URI`` wins), and after a run that fitted
a model it logs one MLflow run: the run's parameters, the test metrics, each Optuna study's
trials, the comparison tables and the report's figures, tagged with the snapshot month. When
the retrain's registry update has been written, every artefact of the month is registered as
a model version and the champions get the ``@champion`` alias
(:mod:`customer_classification.mlflow_registry`).

Kedro-mlflow is not used: its hook registers itself for every Kedro project of the
environment and logs every run, scoring runs included; this hook logs only runs that fit.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import logging
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl
from pydantic import BaseModel, ConfigDict, Field

from customer_classification.registry import RegistryUpdate

logger = logging.getLogger(__name__)

REGISTRY_UPDATE = "model_registry_update"
# the datasets whose saving means the run fitted a model worth a tracking run
FITTED = ("potential_model", "loan_demand_model", "tag_binner", "recommender", REGISTRY_UPDATE)


class TrackingSettings(BaseModel):
    """``conf/<env>/mlflow.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    tracking_uri: str = Field(description="sqlite:///relative/or/absolute.db, a folder, or http(s)://server")
    artifact_location: str | None = Field(None, description="Artefact folder of the embedded store's experiment.")
    experiment: str
    registered_model_prefix: str = ""
    metrics: list[str] = Field(default_factory=list)
    studies: list[str] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)


def resolve_tracking_uri(uri: str, project_path: Path) -> str:
    """A relative SQLite file or folder made absolute under the project, so that a run
    started from any directory writes the project's store; a server URI unchanged."""
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return "sqlite:///" + str((project_path / uri.removeprefix("sqlite:///")).resolve())
    if "://" not in uri:
        return str((project_path / uri).resolve())
    return uri


def is_embedded(uri: str) -> bool:
    return uri.startswith(("sqlite:", "file:", "/"))


def flatten(values: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dictionaries (and validated parameters) as ``a.b.c`` keys: MLflow's parameters
    and metrics are flat."""
    if isinstance(values, BaseModel):
        values = values.model_dump(mode="json")
    if not isinstance(values, dict):
        return {prefix: values}
    flat: dict[str, Any] = {}
    for key, value in values.items():
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def numeric_metrics(document: dict[str, Any], prefix: str) -> dict[str, float]:
    """The numbers of a metrics document; a model's hyperparameters (``.config.``) are not metrics."""
    flat = flatten(document, prefix)
    numbers = {k: v for k, v in flat.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    return {k: float(v) for k, v in numbers.items() if ".config." not in k}


def local_file(dataset: Any) -> Path | None:
    """The local file or folder a catalog dataset writes, if it writes one."""
    for attribute in ("_filepath", "_path"):
        value = getattr(dataset, attribute, None)
        if value is not None and getattr(dataset, "_protocol", "file") in ("file", None):
            return Path(str(value))
    return None


# the store of the current Kedro session; MLflow itself is imported only when a run logs or a
# dataset loads a champion (importing it takes seconds)
_session_tracking_uri: str | None = None
# the stores this module pointed MLflow at: MLflow's set_tracking_uri also writes them to
# MLFLOW_TRACKING_URI, where they must not pass for the user's choice in a later session
_pointed_at: set[str] = set()


def point_mlflow_at(uri: str) -> None:
    import mlflow  # noqa: PLC0415

    _pointed_at.add(uri)
    mlflow.set_tracking_uri(uri)


def user_tracking_uri() -> str | None:
    """``MLFLOW_TRACKING_URI`` as the user set it (not as an earlier session of this process left it)."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    return None if uri in _pointed_at else uri


def use_session_store() -> None:
    """Point MLflow at the store the current Kedro session configured (if any)."""
    if _session_tracking_uri is not None:
        point_mlflow_at(_session_tracking_uri)


class MlflowTracking:
    """Logs runs that fit models to MLflow and registers the retrain's artefacts."""

    def __init__(self) -> None:
        self.settings: TrackingSettings | None = None
        self.project_path = Path.cwd()
        self._saved: set[str] = set()
        self._fitted = False
        self._pending_update: RegistryUpdate | None = None

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        try:
            raw = context.config_loader["mlflow"]
        except MissingConfigException:
            self.settings = None
            return
        self.settings = TrackingSettings(**raw)
        self.project_path = Path(context.project_path)
        global _session_tracking_uri  # noqa: PLW0603 - one Kedro session at a time per process
        _session_tracking_uri = self.tracking_uri() if self.settings.enabled else None
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # runs stay offline

    def tracking_uri(self) -> str:
        """A method, not a property: pluggy reads every attribute of a hook object when registering it."""
        assert self.settings is not None
        uri = user_tracking_uri() or self.settings.tracking_uri
        return resolve_tracking_uri(uri, self.project_path)

    @property
    def active(self) -> bool:
        return self.settings is not None and self.settings.enabled

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        self._saved, self._fitted, self._pending_update = set(), False, None

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Any) -> None:
        if not self.active:
            return
        self._fitted = self._fitted or dataset_name in FITTED
        assert self.settings is not None
        if any(fnmatch.fnmatchcase(dataset_name, pattern) for pattern in self.settings.artifacts):
            self._saved.add(dataset_name)  # its file is logged after the run
        if dataset_name == REGISTRY_UPDATE and isinstance(data, RegistryUpdate):
            # a copy as the registry wrote it: later nodes of the run may change the objects in memory
            artefacts = {key: pickle.loads(pickle.dumps(value, protocol=5)) for key, value in data.artefacts.items()}  # noqa: S301
            self._pending_update = RegistryUpdate(copy.deepcopy(data.state), artefacts)

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], run_result: Any, pipeline: Any, catalog: Any) -> None:
        if not (self.active and self._fitted):
            return
        started = time.perf_counter()
        parameters = catalog.load("parameters") if "parameters" in catalog else {}
        month = str(flatten(parameters).get("model_registry.version", "unknown"))
        run_id = self.log_run(run_params, catalog, parameters, month)
        self._register(run_id)
        logger.info("MLflow: logged and registered in %.1f s", time.perf_counter() - started)

    @hook_impl
    def on_pipeline_error(self, error: Exception, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        """A run that failed after the registry update was written still registers its versions,
        so that MLflow's champions agree with model_registry.json."""
        if self.active and self._pending_update is not None:
            self._register(None)

    def _register(self, run_id: str | None) -> None:
        from customer_classification import mlflow_registry  # noqa: PLC0415 - imports MLflow

        update, self._pending_update = self._pending_update, None
        if update is not None and self.settings is not None:
            mlflow_registry.register_update(update, self.settings.registered_model_prefix, run_id)

    def log_run(self, run_params: dict[str, Any], catalog: Any, parameters: dict[str, Any], month: str) -> str:
        """One MLflow run for this Kedro run; returns its id."""
        import mlflow  # noqa: PLC0415

        assert self.settings is not None
        point_mlflow_at(self.tracking_uri())
        experiment = mlflow.get_experiment_by_name(self.settings.experiment)
        if experiment is None:
            location = None
            if is_embedded(self.tracking_uri()) and self.settings.artifact_location:
                location = (self.project_path / self.settings.artifact_location).resolve().as_uri()
            mlflow.create_experiment(self.settings.experiment, artifact_location=location)
        mlflow.set_experiment(self.settings.experiment)
        pipelines = ",".join(run_params.get("pipeline_names") or ["__default__"])
        tags = {"snapshot_month": month, "kedro.pipeline": pipelines, "kedro.env": str(run_params.get("env"))}
        with mlflow.start_run(run_name=f"{pipelines} {month}", tags=tags) as run:
            mlflow.log_params({k: str(v)[:6000] for k, v in flatten(parameters).items()})
            for name in self.settings.metrics:
                if name in catalog and catalog.exists(name):
                    mlflow.log_metrics(numeric_metrics(catalog.load(name), name))
            with tempfile.TemporaryDirectory() as folder:
                for name in self.settings.studies:
                    self._log_trials(catalog, name, Path(folder))
            for name in sorted(self._saved):
                path = local_file(catalog.get(name)) if name in catalog else None
                if path is None or not path.exists():
                    continue
                if path.is_dir():  # a folder of files, e.g. figures/<section>: both names kept
                    mlflow.log_artifacts(str(path), artifact_path=f"reporting/{path.parent.name}/{path.name}")
                else:
                    mlflow.log_artifact(str(path), artifact_path="reporting")
            logger.info("MLflow: logged run %s (%s) to %s", run.info.run_id, month, self.tracking_uri())
            return run.info.run_id

    @staticmethod
    def _log_trials(catalog: Any, name: str, folder: Path) -> None:
        """The study's trials (number, value, parameters, state) as ``studies/<name>.csv``."""
        import mlflow  # noqa: PLC0415

        path = local_file(catalog.get(name)) if name in catalog else None
        if path is None or not path.exists():
            return
        import optuna  # noqa: PLC0415

        storage = f"sqlite:///{path.resolve()}"
        frames = [
            optuna.load_study(study_name=study, storage=storage).trials_dataframe().assign(study=study)
            for study in optuna.get_all_study_names(storage)
        ]
        if not frames:
            return
        import pandas as pd  # noqa: PLC0415

        trials = pd.concat(frames, ignore_index=True)
        target = folder / f"{name}_trials.csv"
        trials.to_csv(target, index=False)
        mlflow.log_artifact(str(target), artifact_path="studies")
        best = trials.loc[trials["state"] == "COMPLETE", "value"]
        if len(best):
            mlflow.log_metric(f"{name}.trials", float(len(trials)))
        mlflow.set_tag(f"{name}.summary", json.dumps({"trials": len(trials), "complete": int(len(best))}))
