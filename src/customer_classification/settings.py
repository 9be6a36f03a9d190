"""Project settings (https://docs.kedro.org/en/stable/configure/configuration_basics/)."""

from customer_classification.hooks import DemoWarehouseGuard

HOOKS = (DemoWarehouseGuard(),)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
}
