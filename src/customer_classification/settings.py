"""Project settings (https://docs.kedro.org/en/stable/configure/configuration_basics/)."""

from customer_classification.hooks import DemoWarehouseGuard, PseudonymKeyGuard, SparkHooks

# pluggy calls the hook registered last first: the demo guard speaks first
HOOKS = (SparkHooks(), PseudonymKeyGuard(), DemoWarehouseGuard())

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {"spark": ["spark*", "spark*/**"]},
}
