"""The retrain's artefacts as MLflow model versions; champions through the ``@champion`` alias.

Each artefact of a retrain (M1, M2 and their drift references, the tag binner, the segment
models, the recommenders, ...) is the registered model ``<prefix><artefact>``; a month's
artefact is one version tagged ``month=YYYY-MM`` (a pyfunc model around the pickle, with a
signature naming the columns it reads). Rerunning a month reuses that version instead of
adding one. The champions of ``model_registry.json`` get the alias ``champion`` (a kept
challenger the alias ``challenger``), only after every version of the month exists: a retrain
stopped midway leaves the aliases on the previous, complete versions, which ``score`` reads.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import tempfile
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema
from mlflow.types.schema import AnyType

from customer_classification.registry import RegistryUpdate, stable_pickle

logger = logging.getLogger(__name__)

CHAMPION, CHALLENGER, MONTH = "champion", "challenger", "month"


class PickledArtefact(mlflow.pyfunc.PythonModel):
    """A project artefact as a pyfunc model: ``unwrap_python_model().artefact`` is the object
    itself; ``predict`` is the artefact's own, for those that predict."""

    artefact: Any = None

    def load_context(self, context: Any) -> None:
        with Path(context.artifacts["artefact"]).open("rb") as file:
            self.artefact = pickle.load(file)  # noqa: S301 - the project's own model store

    # no type hints: MLflow would read them as a schema and warn
    def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN201
        if not hasattr(self.artefact, "predict"):
            raise TypeError(f"{type(self.artefact).__name__} does not predict: use unwrap_python_model().artefact")
        return self.artefact.predict(model_input)


def input_columns(value: Any) -> list[ColSpec]:
    """The columns an artefact reads, as far as it says: a fitted model's encoder (numbers and
    categories), a scikit-learn transformer's ``feature_names_in_`` (names only: type Any)."""
    encoder = getattr(value, "encoder", None)
    if encoder is not None and hasattr(encoder, "numeric"):
        return [ColSpec("double", c) for c in encoder.numeric] + [ColSpec("string", c) for c in encoder.categorical]
    names = getattr(value, "feature_names_in_", None)
    return [] if names is None else [ColSpec(AnyType(), str(c)) for c in names]


def signature_of(value: Any) -> ModelSignature:
    """Input columns and a numeric output for what predicts; for the rest (a drift reference,
    a blend's weights) a parameter naming the artefact's type, which MLflow accepts as signature."""
    columns = input_columns(value)
    outputs = Schema([ColSpec("double")]) if hasattr(value, "predict") and columns else None
    kind = ParamSchema([ParamSpec("artefact_type", "string", type(value).__name__)])
    return ModelSignature(inputs=Schema(columns) if columns else None, outputs=outputs, params=kind)


def version_of_month(client: MlflowClient, name: str, month: str) -> Any | None:
    versions = [v for v in client.search_model_versions(f"name = '{name}'") if v.tags.get(MONTH) == month]
    return min(versions, key=lambda v: int(v.version)) if versions else None


def ensure_version(
    client: MlflowClient, name: str, artefact: str, month: str, value: Any, description: str | None
) -> Any:
    """The month's version of ``name``: the existing one, or a new one holding ``value``."""
    existing = version_of_month(client, name, month)
    if existing is not None:
        return existing
    try:
        client.get_registered_model(name)
    except MlflowException:  # the artefact's first version
        client.create_registered_model(name, tags={"artefact": artefact})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{artefact}.pkl"
        path.write_bytes(stable_pickle(value))
        info = mlflow.pyfunc.log_model(
            name=artefact.replace(".", "_"),
            python_model=PickledArtefact(),
            artifacts={"artefact": str(path)},
            signature=signature_of(value),
            pip_requirements=["customer_classification", f"mlflow=={mlflow.__version__}"],
        )
    run_id = mlflow.active_run().info.run_id if mlflow.active_run() else None
    return client.create_model_version(
        name,
        info.model_uri,
        run_id=run_id,
        tags={MONTH: month, "artefact": artefact},
        description=description,
        model_id=info.model_id,
    )


def register_update(update: RegistryUpdate, prefix: str, run_id: str | None) -> None:
    """Register every artefact of the update, then move the aliases to the new champions."""
    client = MlflowClient()
    retrain = update.state["retrains"][-1] if update.state["retrains"] else {}
    reasons = {d["model"]: d["reason"] for d in retrain.get("decisions", [])}
    months = {}
    opened = mlflow.start_run(run_id=run_id) if run_id else contextlib.nullcontext()
    with opened:
        for (artefact, month), value in sorted(update.artefacts.items()):
            version = ensure_version(client, prefix + artefact, artefact, month, value, reasons.get(artefact))
            months[artefact] = (month, version.version)
    # the aliases last: until here they name the previous month's complete versions
    set_champion_aliases(client, prefix, update.state["champions"], {a: v for a, (_, v) in months.items()})
    logger.info("MLflow: registered %d artefacts; champions set by alias @%s", len(months), CHAMPION)


def set_champion_aliases(
    client: MlflowClient, prefix: str, champions: dict[str, dict[str, Any]], latest: dict[str, str]
) -> None:
    """``@champion`` on the version of each champion's month; ``@challenger`` on the ``latest``
    version of an artefact when it is not the champion, removed otherwise."""
    for artefact, entry in champions.items():
        name = prefix + artefact
        champion = version_of_month(client, name, entry["version"])
        if champion is None:
            logger.warning("MLflow: %s has no version of %s to be champion; alias unchanged", name, entry["version"])
            continue
        client.set_registered_model_alias(name, CHAMPION, champion.version)
        challenger = latest.get(artefact)
        if challenger is not None and str(challenger) != str(champion.version):
            client.set_registered_model_alias(name, CHALLENGER, challenger)
        elif CHALLENGER in client.get_registered_model(name).aliases:
            client.delete_registered_model_alias(name, CHALLENGER)


def load_by_alias(name: str, alias: str = CHAMPION) -> Any:
    """The artefact that version ``name@alias`` holds."""
    model = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")
    return model.unwrap_python_model().artefact
