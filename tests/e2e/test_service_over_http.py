"""End to end over real HTTP: the generated billing service started as a node server (`tsx src/index.ts`, its
embedded PGlite), hit by 50 requests at once. One Idempotency-Key makes one item and 50 identical answers; 50 keys
make 50 items; nothing answers 5xx."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from scaffold import pnpm
from scaffold.cli import main
from tests.e2e.served import request as _request
from tests.e2e.served import running_service

pytestmark = pytest.mark.e2e

PARALLEL = 50


@pytest.fixture(scope="module")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("e2e-http") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    pnpm.run(["install"], root)
    with running_service(root / "services" / "billing") as url:
        yield url


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
