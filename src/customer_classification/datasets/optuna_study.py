"""A Kedro dataset that persists an Optuna study to SQLite, where ``optuna-dashboard`` opens it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
from kedro.io import AbstractDataset, DatasetError


class OptunaStudyDataset(AbstractDataset[optuna.Study, optuna.Study]):
    """Saves a study (run in memory) into the SQLite file ``filepath``, replacing an earlier study
    of the same name; loads it back. Open it with ``optuna-dashboard sqlite:///<filepath>``."""

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self.metadata = metadata

    @property
    def url(self) -> str:
        return f"sqlite:///{self._filepath.as_posix()}"

    def _save(self, study: optuna.Study) -> None:
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        storage = optuna.storages.RDBStorage(self.url)
        names = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
        if study.study_name in names:
            optuna.delete_study(study_name=study.study_name, storage=storage)
        optuna.copy_study(from_study_name=study.study_name, from_storage=study._storage, to_storage=storage)
        storage.engine.dispose()

    def _load(self) -> optuna.Study:
        if not self._filepath.exists():
            raise DatasetError(f"no study file at {self._filepath}")
        summaries = optuna.get_all_study_summaries(self.url, include_best_trial=False)
        if len(summaries) != 1:
            raise DatasetError(f"{self._filepath} holds {len(summaries)} studies; expected one")
        return optuna.load_study(study_name=summaries[0].study_name, storage=self.url)

    def _exists(self) -> bool:
        return self._filepath.exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}
