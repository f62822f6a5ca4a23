"""A service SDK's schema.ts as `pnpm sdk:gen` writes it: the platform's own openapi-typescript, installed by `pnpm
install` into the service's node_modules, run over an openapi.yaml in a scratch folder (so a plan can hold the result
before anything is written). Before `pnpm install` there is no tool, and callers say so (SVC-SDK-01)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from scaffold import platform
from scaffold.errors import ScaffoldError


def openapi_typescript(root: Path, service: str) -> Path | None:
    """The service's installed openapi-typescript (what `pnpm sdk:gen` runs), or None before `pnpm install`."""
    executable = root / platform.service_dir(service) / "node_modules" / ".bin" / "openapi-typescript"
    return executable if executable.exists() else None


def schema_path(service: str) -> str:
    return f"{platform.service_dir(service)}/{platform.SERVICE_SDK_DIR}/{platform.SDK_SCHEMA}"


GENERATE_TIMEOUT_SECONDS = 120  # a document that keeps openapi-typescript busy longer is reported, not waited for


def render_schema(root: Path, service: str, openapi: str, source: str | None = None) -> str | None:
    """schema.ts for this openapi.yaml text (read from `source`, named in errors), or None when openapi-typescript
    is not installed."""
    source = source or f"{platform.service_dir(service)}/{platform.SERVICE_OPENAPI}"
    executable = openapi_typescript(root, service)
    if executable is None:
        return None
    with tempfile.TemporaryDirectory(prefix="scaffold-sdk-gen-") as scratch:
        (Path(scratch) / platform.SERVICE_OPENAPI).write_text(openapi, encoding="utf-8")
        try:
            result = subprocess.run(
                [str(executable), platform.SERVICE_OPENAPI, "-o", "sdk/src/schema.ts"],
                cwd=scratch,
                capture_output=True,
                text=True,
                check=False,
                timeout=GENERATE_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            raise ScaffoldError(
                f"openapi-typescript did not finish on {source} within {GENERATE_TIMEOUT_SECONDS} s"
            ) from None
        output = Path(scratch) / "sdk" / "src" / "schema.ts"
        if result.returncode != 0 or not output.is_file():
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ScaffoldError(f"openapi-typescript failed on {source}: {tail[0]}")
        return output.read_text(encoding="utf-8")
