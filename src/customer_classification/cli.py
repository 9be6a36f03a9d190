"""The project's own Kedro commands: ``kedro champions list`` and ``kedro champions rollback``.

A rollback puts back the champions that an earlier month's retrain left, in both places that
hold them: ``model_registry.json`` (written atomically, as a retrain writes it) and, when MLflow
tracking is on, the ``@champion`` aliases that ``score`` reads. It takes the data folder's run
lock, so it cannot interleave with a running retrain or score.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from kedro.config import MissingConfigException
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from customer_classification.registry import ModelRegistry, RegistryUpdate, rolled_back
from customer_classification.run_lock import DataFolderLock

REGISTRY = "model_registry"
ENV = click.option("--env", "-e", default=None, help="Kedro configuration environment (default: local).")


@click.group(name="customer_classification")
def cli() -> None:
    """Commands of the customer_classification project."""


@cli.group()
def champions() -> None:
    """The model registry's champions (docs/operations.md, "Rolling back")."""


@contextlib.contextmanager
def _context(env: str | None) -> Iterator[Any]:
    """The Kedro context of the project in the working directory (its hooks point MLflow at the store)."""
    project = Path.cwd()
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env) as session:
        yield session.load_context()


@champions.command(name="list")
@ENV
def list_champions(env: str | None) -> None:
    """Each artefact's champion version, and the months a retrain recorded."""
    with _context(env) as context:
        registry: ModelRegistry = context.catalog.load(REGISTRY)
    for artefact, entry in sorted(registry.champions.items()):
        metric = f"  {entry['metric']} {entry['value']}" if "metric" in entry else ""
        click.echo(f"{artefact:<40} {entry['version']}{metric}")
    click.echo(f"retrains recorded: {', '.join(r['version'] for r in registry.state['retrains']) or 'none'}")


@champions.command()
@click.option("--to", "month", required=True, help="The month (YYYY-MM) whose retrain left the champions to restore.")
@click.option(
    "--artefact",
    "artefacts",
    multiple=True,
    help="Only this artefact (repeatable; a model's drift reference follows it). Default: every artefact.",
)
@click.option("--reason", default="rolled back by hand", show_default=True, help="Recorded with the rollback.")
@ENV
def rollback(month: str, artefacts: tuple[str, ...], reason: str, env: str | None) -> None:
    """Make the champions of MONTH's retrain the champions again (score reads them next)."""
    lock = DataFolderLock()
    with _context(env) as context:
        lock.acquire(Path(context.project_path) / "data", {"pipeline_names": ["champions rollback"], "env": env})
        try:
            dataset = context.catalog.get(REGISTRY)
            at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
            try:
                state = rolled_back(dataset.load(), month, list(artefacts) or None, at, reason)
            except ValueError as error:
                raise click.ClickException(str(error)) from error
            dataset.save(RegistryUpdate(state, {}))
            changed = state["rollbacks"][-1]["versions_before"]
            _move_mlflow_aliases(context, {a: state["champions"][a] for a in changed})
        finally:
            lock.release()
    for artefact, before in sorted(changed.items()):
        click.echo(f"{artefact}: {before} -> {state['champions'][artefact]['version']}")


def _move_mlflow_aliases(context: Any, champions: dict[str, dict[str, Any]]) -> None:
    """``@champion`` on the restored versions when the environment tracks with MLflow."""
    from customer_classification.tracking import TrackingSettings, use_session_store  # noqa: PLC0415

    try:
        settings = TrackingSettings(**context.config_loader["mlflow"])
    except MissingConfigException:
        return
    if not settings.enabled:
        return
    from mlflow import MlflowClient  # noqa: PLC0415 - MLflow takes seconds to import

    from customer_classification.mlflow_registry import set_champion_aliases  # noqa: PLC0415

    use_session_store()
    set_champion_aliases(MlflowClient(), settings.registered_model_prefix, champions, latest={})
