"""End to end on a real PostgreSQL server (Debian's, a throwaway cluster per run): two instances of the generated
billing service start at once against one empty database, so their migrations race; then POSTs spread over both
instances at once. The tests' own database, PGlite, has one connection, so it runs every request one after another:
only a server with many sessions shows that the idempotency claim, the migration lock, the outbox relay and the
event handler's de-duplication hold when two processes really do the same thing at the same moment."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from scaffold import pnpm
from scaffold.cli import main
from tests.e2e.postgres_cluster import NoPostgres, Postgres, throwaway_postgres
from tests.e2e.served import request, running_service

pytestmark = pytest.mark.e2e

PARALLEL = 50


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    try:
        with throwaway_postgres() as server:
            yield server
    except NoPostgres as missing:
        if os.environ.get("CI"):
            pytest.fail(str(missing))  # CI must prove this, not skip it
        pytest.skip(str(missing))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e-postgres") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    pnpm.run(["install"], root)
    service = root / "services" / "billing"
    # a migration that takes a few seconds, so the two instances' migration runs overlap however fast each starts
    (service / "migrations" / "0099_e2e_take_a_while.sql").write_text("SELECT pg_sleep(3);\n")
    return service


@pytest.fixture(scope="module")
def instances(service: Path, postgres: Postgres) -> Iterator[list[str]]:
    """Two instances, started at the same moment on the same empty database."""
    env = {"DATABASE_URL": postgres.url}
    starting = [running_service(service, name=f"server-{i}", extra_env=env) for i in (0, 1)]
    with ExitStack() as stack:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(instance.__enter__) for instance in starting]
        urls, failure = [], None
        for instance, future in zip(starting, futures, strict=True):
            try:
                urls.append(future.result())
            except BaseException as error:  # pytest.fail's outcome too; that instance has stopped itself
                failure = error
                continue
            stack.push(instance.__exit__)
        if failure is not None:
            raise failure
        yield urls


def test_two_instances_starting_at_once_run_each_migration_once(
    service: Path, postgres: Postgres, instances: list[str]
) -> None:
    files = sorted(p.name for p in (service / "migrations").glob("*.sql"))
    applied = postgres.value("SELECT string_agg(name, ',' ORDER BY name) FROM schema_migrations")
    assert applied.split(",") == files
    assert postgres.count("items") == 0  # migrated, and nothing else yet
    for name in ("server-0", "server-1"):
        assert "unhandled error" not in (service / f"{name}.log").read_text()


def _post_at_once(urls: list[str], keys: list[str]) -> list[tuple[int, str]]:
    """Each POST to the next instance in turn, all in flight together."""
    calls = [(urls[i % len(urls)], key) for i, key in enumerate(keys)]
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda c: request(c[0], "POST", "/items", body={"name": "Alpha"}, key=c[1]), calls))


def test_one_key_sent_50_times_to_two_instances_at_once_makes_one_item(
    postgres: Postgres, instances: list[str]
) -> None:
    items, audits, events = postgres.count("items"), postgres.count("audit_log"), postgres.count("outbox")
    responses = _post_at_once(instances, [str(uuid.uuid4())] * PARALLEL)

    assert [status for status, _ in responses] == [201] * PARALLEL, [r for r in responses if r[0] != 201][:3]
    assert len({body for _, body in responses}) == 1  # the first answer, replayed byte for byte
    assert postgres.count("items") == items + 1
    assert postgres.count("audit_log") == audits + 1
    assert postgres.count("outbox") == events + 1


def test_50_keys_at_once_make_50_items_each_counted_once_by_the_event_handler(
    postgres: Postgres, instances: list[str]
) -> None:
    items = postgres.count("items")
    responses = _post_at_once(instances, [str(uuid.uuid4()) for _ in range(PARALLEL)])

    assert [status for status, _ in responses] == [201] * PARALLEL, [r for r in responses if r[0] != 201][:3]
    assert len({json.loads(body)["id"] for _, body in responses}) == PARALLEL
    assert postgres.count("items") == items + PARALLEL
    # both instances relay the outbox (FOR UPDATE SKIP LOCKED) and handle the created events (handleOnce): every
    # event is published, and the per-brand count the handler keeps counts each item exactly once
    deadline = time.monotonic() + 60
    while postgres.count("outbox", "published_at IS NULL") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert postgres.count("outbox", "published_at IS NULL") == 0
    assert int(postgres.value("SELECT total FROM item_counts WHERE brand_id = 'brand-a'")) == postgres.count("items")
    assert postgres.count("processed_events") == postgres.count("outbox")
    listed = json.loads(request(instances[1], "GET", "/items?limit=100")[1])["data"]
    newest = postgres.value(
        "SELECT string_agg(id::text, ',' ORDER BY seq DESC) FROM (SELECT id, seq FROM items "
        "ORDER BY seq DESC LIMIT 100) AS newest"
    )
    assert [item["id"] for item in listed] == newest.split(",")
