"""A generated service started as a node server (`tsx src/index.ts`) and called over real HTTP: the helpers the
e2e tests over HTTP share."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

AUTH_SECRET = "e2e-only-secret-of-at-least-32-characters"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(scopes: list[str]) -> str:
    """An HS256 JWT as service-kit's signToken() issues it (no JWT library among our dependencies)."""
    now = int(time.time())
    claims = {"sub": "user-1", "brand_id": "brand-a", "scopes": scopes, "iat": now, "exp": now + 3600}
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(AUTH_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@contextmanager
def running_service(service: Path, *, name: str = "server", extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """The service's server on a free port until the block ends; yields its base URL once /healthz answers."""
    port = free_port()
    env = {**os.environ, "AUTH_SECRET": AUTH_SECRET, "PORT": str(port), "STAGE": "local", **(extra_env or {})}
    env |= {"OTEL_SDK_DISABLED": "true", "OTEL_LOGS_EXPORTER": "none"}
    log_path = service / f"{name}.log"
    log = log_path.open("w")
    # its own process group, so teardown ends tsx and the node process it starts, and nothing else
    server = subprocess.Popen(
        [str(service / "node_modules" / ".bin" / "tsx"), "src/index.ts"],
        cwd=service,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, server, log_path)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def wait_for_health(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180  # PGlite and tsx start slowly on a busy 2-core runner
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the service exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the service did not answer /healthz within 180 s:\n{log.read_text()[-3000:]}")


def request(url: str, method: str, path: str, *, body: object = None, key: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token(['billing:read', 'billing:write'])}"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if key:
        headers["Idempotency-Key"] = key
    call = urllib.request.Request(f"{url}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(call, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
