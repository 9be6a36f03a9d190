"""Project settings (https://docs.kedro.org/en/stable/configure/configuration_basics/)."""

import os

from customer_classification.console import whole_lines_when_not_a_terminal
from customer_classification.hooks import DemoWarehouseGuard, MemoryRelease, PseudonymKeyGuard, SparkHooks
from customer_classification.provenance import MixedRunsGuard, RunRecorder
from customer_classification.run_lock import DataFolderLock
from customer_classification.tracking import MlflowTracking
from customer_classification.warning_filters import ignore_unactionable_warnings

ignore_unactionable_warnings()
whole_lines_when_not_a_terminal()

# LightGBM's OpenMP threads spin while waiting by default; on a machine whose cores are
# shared (2 cores, other processes) that spinning makes training 10x slower. Kedro reads
# these settings before it imports any pipeline, so this comes before LightGBM's OpenMP
# runtime loads; a value set by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# pluggy calls the hook registered last first: the demo guard speaks first, and the data
# folder is locked only once every guard has let the run start; MLflow logs and registers
# after the run, before the lock is released
HOOKS = (
    SparkHooks(),
    RunRecorder(),
    DataFolderLock(),
    MlflowTracking(),
    MixedRunsGuard(),
    PseudonymKeyGuard(),
    DemoWarehouseGuard(),
    MemoryRelease(),
)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {"spark": ["spark*", "spark*/**"], "mlflow": ["mlflow*", "mlflow*/**"]},
    # an environment's parameters merge key by key over base's, so a partial block (a bank's
    # own `model` and `split`) keeps the rest of base's block instead of replacing it
    "merge_strategy": {"parameters": "soft"},
}
