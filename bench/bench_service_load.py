"""Load benchmark (issue 9 point 7): the generated billing service vs a bare Hono route, under autocannon.

Prints, for GET /items and POST /items: p50/p99 latency, requests/s, errors, non-2xx, and generated p99 / bare p99.
Goal: 0 errors, 0 non-2xx, generated p99 <= 2x bare p99. Loopback (127.0.0.1) only. The bare server also has
POST /items-same-writes: the generated create's statements (key claim, item, outbox row, audit row, stored response),
word for word, into the service's own tables in one transaction, without any middleware, so the POST's ratio can be
read two ways: against one INSERT, and against the same database work (what the middleware stack itself adds).

    .venv/bin/python bench/bench_service_load.py [--seconds 10] [--connections 10] [--postgres]

Needs pnpm (.tools/bin after scripts/bootstrap) and npm on PATH (autocannon 9.0.0 goes into a scratch folder).
By default each side runs its own embedded PGlite (one cannot be shared between two processes; the bare server applies
the service's migrations to its own), so both sides pay the same database engine and the difference is the middleware
stack. With --postgres both sides use one throwaway PostgreSQL server instead (tests/e2e/postgres_cluster.py), each
through a `pg` pool of 10 connections: the engine the service runs on when deployed, where requests do overlap.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scaffold import pnpm
from scaffold.cli import main as scaffold_main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's tests/ package: one token, one cluster
from tests.e2e.served import AUTH_SECRET, free_port, token

HOST = "127.0.0.1"  # loopback only, never another address

# The bare routes, written once for both engines: `db` is PGlite or a pg pool (both answer query() with { rows }) and
# `inTransaction(fn)` runs fn on one connection between BEGIN and COMMIT. GET and POST /items use a table of their own
# (bare_items: one INSERT is the floor). POST /items-same-writes sends the generated create's statements, word for word,
# into the service's own tables (items, idempotency_keys, outbox, audit_log, with their indexes and sequences), so
# against it the ratio is what the middleware stack adds to the same database work.
BARE_ROUTES = """\
const app = new Hono();
app.get("/healthz", (c) => c.json({ ok: true }));
app.get("/items", async (c) => {
  // the generated list's shape: a page of 50 newest first and the total count
  const [{ rows }, count] = await Promise.all([
    db.query("select id, name, created_at from bare_items order by seq desc limit 50"),
    db.query("select count(*)::int as n from bare_items"),
  ]);
  return c.json({ data: rows, total: count.rows[0].n });
});
app.post("/items", async (c) => {
  const body = await c.req.json();
  const { rows } = await db.query(
    "insert into bare_items (id, name) values ($1, $2) returning id, name, created_at", [randomUUID(), body.name]);
  return c.json(rows[0], 201);
});
app.post("/items-same-writes", async (c) => {
  const body = await c.req.json();
  const key = c.req.header("idempotency-key");
  const brand = "brand-a";
  const item = await inTransaction(async (tx) => {
    await tx.query(`INSERT INTO idempotency_keys (brand_id, key, request, response_status, response_body)
       VALUES ($1, $2, $3, 0, '') ON CONFLICT (brand_id, key) DO NOTHING RETURNING key`,
      [brand, key, `POST /items sha256:${"0".repeat(64)}`]);
    const { rows } = await tx.query(
      "INSERT INTO items (brand_id, name) VALUES ($1, $2) RETURNING id, name, created_at", [brand, body.name]);
    const created = { ...rows[0], created_at: rows[0].created_at.toISOString() };
    const payload = JSON.stringify({ id: created.id, created_at: created.created_at });
    await tx.query("INSERT INTO outbox (id, brand_id, event_name, payload) VALUES ($1, $2, $3, $4)",
      [randomUUID(), brand, "billing.item_created", payload]);
    await tx.query(
      `INSERT INTO audit_log (brand_id, actor, event_type, resource_id, request_id) VALUES ($1, $2, $3, $4, $5)`,
      [brand, "user-1", "billing.item.created", created.id, key]);
    await tx.query(`UPDATE idempotency_keys SET response_status = $3, response_body = $4, response_content_type = $5
        WHERE brand_id = $1 AND key = $2`, [brand, key, 201, JSON.stringify(created), "application/json"]);
    return created;
  });
  return c.json(item, 201);
});
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT) });
"""

BARE_TABLE = """create table if not exists bare_items (id uuid primary key, name text not null, seq bigserial,
  created_at timestamptz not null default now())"""

# Embedded PGlite cannot be shared between processes: the bare server opens its own and applies the service's
# migrations to it, so both sides write into tables of one shape.
BARE_SERVER = f"""\
import {{ serve }} from "@hono/node-server";
import {{ Hono }} from "hono";
import {{ PGlite }} from "@electric-sql/pglite";
import {{ randomUUID }} from "node:crypto";
import {{ readdirSync, readFileSync }} from "node:fs";

const db = new PGlite();
for (const file of readdirSync("migrations").filter((name) => name.endsWith(".sql")).sort()) {{
  await db.exec(readFileSync(`migrations/${{file}}`, "utf8"));
}}
await db.exec(`{BARE_TABLE}`);
const inTransaction = (fn) => db.transaction(fn);
{BARE_ROUTES}"""

# On PostgreSQL the bare server shares the service's database (the service, started first, has migrated it), through
# a pg pool of the same size as the service's.
BARE_SERVER_PG = f"""\
import {{ serve }} from "@hono/node-server";
import {{ Hono }} from "hono";
import pg from "pg";
import {{ randomUUID }} from "node:crypto";

const db = new pg.Pool({{ connectionString: process.env.DATABASE_URL }});
await db.query(`{BARE_TABLE}`);
async function inTransaction(fn) {{
  const client = await db.connect();
  try {{
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  }} catch (error) {{
    await client.query("ROLLBACK");
    throw error;
  }} finally {{
    client.release();
  }}
}}
{BARE_ROUTES}"""

# autocannon driver: one run per route; POSTs get a fresh Idempotency-Key per request through setupRequest.
DRIVER = """\
const autocannon = require("autocannon");
const { randomUUID } = require("node:crypto");
const [url, method, token, seconds, connections] = process.argv.slice(2);
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const opts = { url, duration: Number(seconds), connections: Number(connections), method, headers };
if (method === "POST") {
  opts.requests = [{ method: "POST", setupRequest: (req) => ({ ...req,
    headers: { ...headers, "idempotency-key": randomUUID() }, body: JSON.stringify({ name: "Alpha" }) }) }];
}
autocannon(opts, (err, r) => {
  if (err) { console.error(err); process.exit(1); }
  console.log(JSON.stringify({ p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average,
    errors: r.errors + r.timeouts, non2xx: r.non2xx, total: r.requests.total }));
});
"""


def _start(
    argv: list[str], cwd: Path, port: int, log: Path, database_url: str | None
) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "AUTH_SECRET": AUTH_SECRET, "PORT": str(port), "STAGE": "local"}
    if database_url:
        env["DATABASE_URL"] = database_url
    env |= {"OTEL_SDK_DISABLED": "true", "OTEL_LOGS_EXPORTER": "none"}
    # its own process group, so stopping it ends tsx/node and nothing else
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{argv[-1]} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{argv[-1]} did not answer /healthz within 180 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _drive(scratch: Path, url: str, method: str, seconds: int, connections: int) -> dict[str, float]:
    bearer = token(["billing:read", "billing:write"])
    out = subprocess.run(["node", "driver.cjs", url, method, bearer, str(seconds), str(connections)],
                         cwd=scratch, check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--postgres", action="store_true", help="both sides on one throwaway PostgreSQL server")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        database_url = None
        if args.postgres:
            from tests.e2e.postgres_cluster import throwaway_postgres

            database_url = stack.enter_context(throwaway_postgres()).url
        results = _measure(args.seconds, args.connections, database_url)
    engine = "PostgreSQL 15 (pg pools)" if args.postgres else "embedded PGlite each"
    print(f"{args.seconds} s per route, {args.connections} connections, {HOST}, {engine}")
    print(f"{'route':<28}{'p50 ms':>8}{'p99 ms':>8}{'req/s':>9}{'errors':>8}{'non2xx':>8}")
    for (side, method), r in results.items():
        print(f"{side + ' ' + method:<28}{r['p50']:>8}{r['p99']:>8}{r['rps']:>9.0f}{r['errors']:>8}{r['non2xx']:>8}")
    for method in ("GET", "POST"):
        ratio = results["generated", method]["p99"] / max(results["bare", method]["p99"], 1)
        clean = results["generated", method]["errors"] == 0 and results["generated", method]["non2xx"] == 0
        print(f"{method}: generated p99 / bare p99 = {ratio:.2f} ({'holds' if ratio <= 2 else 'FAILS'} <= 2x); "
              f"0 errors and 0 non-2xx: {'yes' if clean else 'NO'}")
    stack = results["generated", "POST"]["p99"] / max(results["bare", "POST same writes"]["p99"], 1)
    print(f"POST: generated p99 / bare p99 with the same writes in one transaction = {stack:.2f} "
          f"(what the middleware stack adds to the work; {'holds' if stack <= 2 else 'FAILS'} <= 2x)")


def _measure(seconds: int, connections: int, database_url: str | None) -> dict[tuple[str, str], dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        root, scratch = Path(tmp) / "platform", Path(tmp) / "autocannon"
        assert scaffold_main(["init", str(root), "--defaults", "--no-verify"]) == 0
        assert scaffold_main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
        pnpm.run(["install"], root)
        scratch.mkdir()
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "autocannon@9.0.0"],
                       cwd=scratch, check=True)
        (scratch / "driver.cjs").write_text(DRIVER)
        service = root / "services" / "billing"
        (service / "bare-server.mjs").write_text(BARE_SERVER_PG if database_url else BARE_SERVER)
        results: dict[tuple[str, str], dict[str, float]] = {}
        for side, argv in (("generated", [str(service / "node_modules/.bin/tsx"), "src/index.ts"]),
                           ("bare", ["node", "bare-server.mjs"])):
            proc, url = _start(argv, service, free_port(), Path(tmp) / f"{side}.log", database_url)
            try:
                for method in ("GET", "POST"):
                    if method == "GET":  # something to list
                        _drive(scratch, f"{url}/items", "POST", 1, 1)
                    results[side, method] = _drive(scratch, f"{url}/items", method, seconds, connections)
                if side == "bare":
                    results["bare", "POST same writes"] = _drive(
                        scratch, f"{url}/items-same-writes", "POST", seconds, connections
                    )
            finally:
                _stop(proc)
    return results


if __name__ == "__main__":
    main()
