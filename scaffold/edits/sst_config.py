"""The one writer of sst.config.ts registrations: a service is deployed when `run()`'s `services` array imports its
infra module (platform.service_infra_module; SVC-DEP-02 reads it back the same way). Used by `new service`,
`remove service` and `verify --fix`."""

from __future__ import annotations

from scaffold import platform
from scaffold.edits import typescript_registries as ts_edits


def infra_import(service: str) -> str:
    return f'await import("./{platform.service_infra_module(service)}")'


def register_service(config: str, service: str) -> str:
    """sst.config.ts with the service's infra imported in the `services` array (kept sorted); ScaffoldError when
    the file has no such array to edit."""
    element = infra_import(service)
    return ts_edits.add_sorted_array_element(config, platform.SST_CONFIG, platform.SST_SERVICES_ARRAY, element)


def unregister_service(config: str, service: str) -> str:
    """sst.config.ts without the service's import in the `services` array."""
    element = infra_import(service)
    return ts_edits.remove_array_element(config, platform.SST_CONFIG, platform.SST_SERVICES_ARRAY, element)
