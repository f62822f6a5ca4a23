"""SVC-SDK helpers: how the `sdk:gen` script is read (direct openapi-typescript, or delegated to the SDK package)."""

from __future__ import annotations

import pytest

from scaffold.checks._sdk import SdkPackage
from scaffold.checks.svc_sdk import generator_run
from scaffold.verify.model import Kind
from scaffold.verify.repo import Subject

SERVICE = Subject(Kind.SERVICE, "billing", "services/billing")
SDK = SdkPackage("services/billing/sdk", {"scripts": {"gen": "openapi-typescript ../openapi.yaml -o src/schema.ts"}})
EXPECTED = ("services/billing/openapi.yaml", "services/billing/sdk/src/schema.ts")


@pytest.mark.parametrize(
    "script",
    [
        "openapi-typescript openapi.yaml -o sdk/src/schema.ts",
        "npx openapi-typescript ./openapi.yaml --output ./sdk/src/schema.ts",
        "pnpm --filter @platform/sdk-billing run gen",
        "pnpm -F @platform/sdk-billing gen && prettier --write sdk/src",
    ],
)
def test_scripts_that_generate_the_schema(script: str) -> None:
    assert generator_run(SERVICE, SDK, SERVICE.path, script) == EXPECTED


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("tsc --noEmit", "does not run openapi-typescript"),
        ("openapi-typescript openapi.yaml", "no -o output"),
        ("pnpm --filter @platform/sdk-billing run build", "does not define"),
        ("pnpm --filter @platform/sdk-ledger run gen", "does not run openapi-typescript"),
    ],
)
def test_scripts_that_do_not(script: str, reason: str) -> None:
    result = generator_run(SERVICE, SDK, SERVICE.path, script)
    assert isinstance(result, str) and reason in result
