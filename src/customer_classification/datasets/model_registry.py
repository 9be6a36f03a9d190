"""Datasets over the model registry folder (see :mod:`customer_classification.registry` for its layout).

``ModelRegistryDataset`` loads the document with a lazy version loader and saves a
:class:`~customer_classification.registry.RegistryUpdate`: every artefact version first, then the document, each
through a temporary file and ``os.replace`` (atomic on one file system). A run stopped at any
point therefore leaves the previous document, which names only files that exist.
``ChampionDataset`` loads the champion version of one artefact: what ``score`` reads.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from customer_classification.registry import ModelRegistry, RegistryUpdate, empty_state, stable_pickle

DOCUMENT = "model_registry.json"


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, flush it to disk, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def artefact_path(root: Path, artefact: str, version: str) -> Path:
    return root / artefact / f"{version}.pkl"


def load_artefact(root: Path, artefact: str, version: str) -> Any:
    path = artefact_path(root, artefact, version)
    if not path.exists():
        raise DatasetError(f"model registry {root}: {artefact} version {version} is named but {path} is missing")
    with path.open("rb") as file:
        return pickle.load(file)  # noqa: S301 - the project's own registry folder


def read_document(root: Path) -> dict[str, Any] | None:
    path = root / DOCUMENT
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


class ModelRegistryDataset(AbstractDataset[RegistryUpdate, ModelRegistry]):
    """The registry folder. Loads a :class:`ModelRegistry` (empty before the first retrain);
    saves a :class:`RegistryUpdate`.

    Example::

        model_registry:
          type: customer_classification.datasets.ModelRegistryDataset
          path: data/06_models/registry
    """

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None):
        self._root = Path(path)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root)}

    def load(self) -> ModelRegistry:
        state = read_document(self._root) or empty_state()
        return ModelRegistry(state, lambda artefact, version: load_artefact(self._root, artefact, version))

    def save(self, data: RegistryUpdate) -> None:
        for (artefact, version), value in sorted(data.artefacts.items()):
            write_atomically(artefact_path(self._root, artefact, version), stable_pickle(value))
        for artefact, entry in data.state["champions"].items():
            if not artefact_path(self._root, artefact, entry["version"]).exists():
                raise DatasetError(
                    f"model registry {self._root}: the new champion {artefact} version {entry['version']} "
                    "has no file; the registry document was not changed"
                )
        document = json.dumps(data.state, indent=2, sort_keys=True) + "\n"
        write_atomically(self._root / DOCUMENT, document.encode("utf-8"))
        self._remove_abandoned_temporaries()

    def _remove_abandoned_temporaries(self) -> None:
        """Delete the temporary files of writes that a killed run left half done. Every write
        of this save has been renamed into place by now, and the project's run lock keeps
        other runs out, so any temporary file left belongs to a run that is gone."""
        for temporary in self._root.rglob(".*.tmp"):
            temporary.unlink(missing_ok=True)

    def _exists(self) -> bool:
        return (self._root / DOCUMENT).exists()


class ChampionDataset(AbstractDataset[None, Any]):
    """The champion version of ``artefact`` named by the registry in ``path`` (read-only).

    Example::

        "champion.{artefact}":
          type: customer_classification.datasets.ChampionDataset
          path: data/06_models/registry
          artefact: "{artefact}"
    """

    def __init__(self, *, path: str, artefact: str, metadata: dict[str, Any] | None = None):
        self._root = Path(path)
        self._artefact = artefact
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root), "artefact": self._artefact}

    def load(self) -> Any:
        document = read_document(self._root)
        if document is None:
            raise DatasetError(
                f"no model registry at {self._root / DOCUMENT}: run `kedro run --pipelines retrain` "
                "once to train and register the champions that `score` uses"
            )
        entry = document["champions"].get(self._artefact)
        if entry is None:
            raise DatasetError(
                f"model registry {self._root / DOCUMENT} names no champion for '{self._artefact}' "
                f"(it has {sorted(document['champions'])}): run `kedro run --pipelines retrain`"
            )
        return load_artefact(self._root, self._artefact, entry["version"])

    def save(self, data: None) -> None:
        raise DatasetError(f"champion.{self._artefact} is read-only: a retrain changes champions through the registry")

    def _exists(self) -> bool:
        document = read_document(self._root)
        return document is not None and self._artefact in document["champions"]
