"""End to end over real HTTP: the generated billing service started as a node server (`tsx src/index.ts`, its
embedded PGlite), hit by 50 requests at once. One Idempotency-Key makes one item and 50 identical answers; 50 keys
make 50 items; nothing answers 5xx."""

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
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from scaffold import pnpm
from scaffold.cli import main

pytestmark = pytest.mark.e2e

AUTH_SECRET = "e2e-only-secret-of-at-least-32-characters"
PARALLEL = 50


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token(scopes: list[str]) -> str:
    """An HS256 JWT as service-kit's signToken() issues it (no JWT library among our dependencies)."""
    now = int(time.time())
    claims = {"sub": "user-1", "brand_id": "brand-a", "scopes": scopes, "iat": now, "exp": now + 3600}
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(AUTH_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.fixture(scope="module")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("e2e-http") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    pnpm.run(["install"], root)
    service = root / "services" / "billing"
    port = _free_port()
    env = {**os.environ, "AUTH_SECRET": AUTH_SECRET, "PORT": str(port), "STAGE": "local"}
    env |= {"OTEL_SDK_DISABLED": "true", "OTEL_LOGS_EXPORTER": "none"}
    log = (service / "server.log").open("w")
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
        _wait_for_health(url, server, service / "server.log")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def _wait_for_health(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
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


def _request(url: str, method: str, path: str, *, body: object = None, key: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {_token(['billing:read', 'billing:write'])}"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(f"{url}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _post_at_once(url: str, keys: list[str]) -> list[tuple[int, str]]:
    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(lambda key: _request(url, "POST", "/items", body={"name": "Alpha"}, key=key), keys))


def _item_ids(url: str) -> list[str]:
    status, body = _request(url, "GET", "/items?limit=100")
    assert status == 200, body
    return [item["id"] for item in json.loads(body)["data"]]


def test_one_idempotency_key_sent_50_times_at_once_makes_one_item(service_url: str) -> None:
    before = _item_ids(service_url)
    responses = _post_at_once(service_url, [str(uuid.uuid4())] * PARALLEL)

    assert [status for status, _ in responses] == [201] * PARALLEL, responses[:3]
    assert len({body for _, body in responses}) == 1
    created = json.loads(responses[0][1])["id"]
    assert _item_ids(service_url) == [created, *before]


def test_50_keys_at_once_make_50_items(service_url: str) -> None:
    before = _item_ids(service_url)
    responses = _post_at_once(service_url, [str(uuid.uuid4()) for _ in range(PARALLEL)])

    assert [status for status, _ in responses] == [201] * PARALLEL, [r for r in responses if r[0] != 201][:3]
    assert len({json.loads(body)["id"] for _, body in responses}) == PARALLEL
    assert len(_item_ids(service_url)) == len(before) + PARALLEL
