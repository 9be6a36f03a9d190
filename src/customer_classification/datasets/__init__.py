"""The project's custom Kedro datasets, all importable from here (``type: customer_classification.datasets.<Name>``).

* :class:`ChunkedParquetDataset` (with :class:`TableChunk`): a parquet table written in chunks, swapped in atomically;
* :class:`CachedFrameDataset`: a frame kept in memory between nodes, its Spark cache dropped once no node reads it;
* :class:`PseudonymKeyDataset`: the secret key of PII pseudonyms, from the environment or credentials;
* :class:`OptionalDataset`: any dataset, loading ``None`` where it has never been written;
* :class:`OptunaStudyDataset`: an Optuna study in its own SQLite file, for the dashboard;
* :class:`FrontendAPIDataset`: a publication POSTed to the front end with its bearer token (tables streamed);
* :class:`ModelRegistryDataset`, :class:`ChampionDataset`: the versioned model registry and one champion of it.
"""

from customer_classification.datasets.cached_frame import CachedFrameDataset
from customer_classification.datasets.chunked import ChunkedParquetDataset, TableChunk
from customer_classification.datasets.frontend_api import FrontendAPIDataset
from customer_classification.datasets.mlflow_champion import MlflowChampionDataset
from customer_classification.datasets.model_registry import ChampionDataset, ModelRegistryDataset
from customer_classification.datasets.optional import OptionalDataset
from customer_classification.datasets.optuna_study import OptunaStudyDataset
from customer_classification.datasets.pseudonym_key import DEMO_PSEUDONYM_KEY, PseudonymKeyDataset

__all__ = [
    "DEMO_PSEUDONYM_KEY",
    "CachedFrameDataset",
    "ChampionDataset",
    "ChunkedParquetDataset",
    "FrontendAPIDataset",
    "MlflowChampionDataset",
    "ModelRegistryDataset",
    "OptionalDataset",
    "OptunaStudyDataset",
    "PseudonymKeyDataset",
    "TableChunk",
]
