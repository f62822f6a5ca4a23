"""SVC / Database: the service's migrations (SVC-DB-01..04), parsed with pglast and linted with squawk.

The expand-contract convention (SVC-DB-01): a migration that drops, renames, retypes or tightens (SET NOT NULL) a
column or table that an earlier migration created starts with a header comment naming the expand migration it
completes, e.g. `-- contract: 0004_add_display_name.sql`. That expand migration must exist and come earlier.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scaffold import platform
from scaffold.checks import check
from scaffold.checks._service import (
    Migration,
    TsFile,
    brand_scope_is_global,
    fail,
    migrations,
    needs_human,
    not_applicable,
    parse_typescript_files,
    passed,
    sources,
    typescript_files,
)
from scaffold.parsers import sql as sql_parser
from scaffold.parsers import typescript as ts_parser
from scaffold.verify.model import Finding, Kind
from scaffold.verify.repo import RepoView, Subject

_SUBSTITUTION = re.compile(r"\$\{[^}]*\}")


def _created_earlier_in_file(migration: Migration, line: int) -> set[str]:
    """Tables this migration itself creates before (or at) `line`: changes to them break no existing reader."""
    return {table.name for table in sql_parser.tables_created(migration.parsed) if table.line <= line}


def _only_new_tables(migration: Migration, line: int) -> bool:
    statement = sql_parser.statement_at(migration.parsed, line)
    if statement is None:
        return False
    touched = sql_parser.tables_touched(statement)
    return bool(touched) and touched <= _created_earlier_in_file(migration, statement.line)


def _squawk(repo: RepoView, parsed: list[Migration]) -> list[sql_parser.SquawkFinding]:
    return repo.squawk([m.path for m in parsed])


# --- SVC-DB-01 ---------------------------------------------------------------------------------------------
def contract_marker(repo: RepoView, migration: Migration) -> tuple[str, int] | None:
    """The `-- contract: <expand migration>` header of a migration: (the named migration, its line)."""
    for comment, line in sql_parser.header_comments(repo.read_text(migration.path) or ""):
        if comment.lower().startswith(platform.CONTRACT_MARKER):
            return comment[len(platform.CONTRACT_MARKER) :].strip(), line
    return None


@check(
    "SVC-DB-01",
    "Migration is expand-only or follows expand–contract",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("migrations/**",),
)
def migrations_expand_only(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Parses every migration with PostgreSQL's parser (pglast) and lists the changes that break code
    still reading the old schema: DROP TABLE, DROP COLUMN, RENAME TABLE / COLUMN, ALTER COLUMN TYPE and
    SET NOT NULL on a table an earlier migration created (squawk's ban-drop-* / renaming-* /
    changing-column-type rules are merged in). Such a migration passes only as the contract half of
    expand-contract: its header says `-- contract: NNNN_<expand>.sql`, naming an earlier migration that exists.

    Why it matters: During a deploy old and new code run side by side; a migration that removes or renames what
    the old code reads breaks every request still served by it. Expand first, migrate readers, contract later.

    How to fix: Split the change: add the new column or table (expand), ship code that uses it, then drop the old
    one in a later migration whose first line is `-- contract: NNNN_<expand>.sql`.
    """
    parsed, failures = migrations(repo, subject, "SVC-DB-01")
    yield from failures
    if not parsed and not failures:
        yield not_applicable("SVC-DB-01", f"no migrations in {subject.join(platform.SERVICE_MIGRATIONS_DIR)}/")
        return
    try:
        squawked = [f for f in _squawk(repo, parsed) if f.rule in sql_parser.SQUAWK_BREAKING_RULES]
    except RuntimeError:
        squawked = []  # pglast alone decides; SVC-DB-03 reports squawk's absence
    names = [m.name for m in parsed]
    ok = not failures
    for index, migration in enumerate(parsed):
        breaking = {
            change.line: change.describe()
            for change in sql_parser.schema_changes(migration.parsed)
            if not _only_new_tables(migration, change.line)
        }
        for finding in squawked:
            if finding.file == migration.path and not _only_new_tables(migration, finding.line):
                breaking.setdefault(finding.line, f"{finding.rule}: {finding.message}")
        if not breaking:
            continue
        marker = contract_marker(repo, migration)
        if marker is None:
            ok = False
            for line, what in sorted(breaking.items()):
                yield fail(
                    "SVC-DB-01",
                    migration.path,
                    line,
                    f"{what} breaks code that reads the old schema, and the migration declares no expand migration",
                    "Expand first (add the new shape), then contract in a later migration that starts with "
                    "`-- contract: NNNN_<expand>.sql`.",
                )
            continue
        expand, line = marker
        earlier = names[:index]
        if not any(expand == name or (expand and name.startswith(expand.removesuffix(".sql"))) for name in earlier):
            ok = False
            yield fail(
                "SVC-DB-01",
                migration.path,
                line,
                f"contract migration names {expand!r}, which is not an earlier migration of this service",
                f"Name the expand migration it completes, one of: {', '.join(earlier) or '(none)'}.",
            )
    if ok:
        yield passed("SVC-DB-01", f"{len(parsed)} migrations: expand-only or declared contract steps")


# --- SVC-DB-02 ---------------------------------------------------------------------------------------------
def _is_migration_run(call: ts_parser.Call) -> bool:
    return "migrat" in call.callee.split(".")[-1].lower()


# INSERT and COPY statements cannot be written without their keyword: a string with neither is not handed to
# pglast, as most string arguments in a test (titles, paths, expected values) are not SQL at all.
_MAY_LOAD_ROWS = re.compile(r"insert|copy", re.IGNORECASE)


def _loads_rows(call: ts_parser.Call) -> bool:
    for argument in call.arguments:
        if argument.string is None:
            continue
        query = _SUBSTITUTION.sub("NULL", argument.string)
        if _MAY_LOAD_ROWS.search(query) and sql_parser.loads_rows(query):
            return True
    return False


def populates_between_migrations(file: TsFile) -> bool:
    """Whether, in source order, the file runs migrations, inserts rows, then runs migrations again."""
    stage = 0  # 1: migrations ran; 2: then rows were inserted
    for call in ts_parser.all_calls(file.parsed):
        if stage < 2:
            if _is_migration_run(call):
                stage = 1
            elif stage == 1 and _loads_rows(call):
                stage = 2
        # once rows are in, only a migration run matters: its SQL is parsed, the other calls' is not
        elif _is_migration_run(call) and not _loads_rows(call):
            return True
    return False


@check(
    "SVC-DB-02",
    "Tested against a populated dataset (not just empty dev)",
    mode="auto (a test that migrates a populated DB)",
    kind=Kind.SERVICE,
    covers=("test/migration/**", "migrations/**"),
)
def migrations_tested_on_populated_db(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Looks in `test/migration/` for a test that, in source order, runs migrations (a call such as
    `runMigrations(db, early)`), inserts rows (a call whose SQL parses as INSERT or COPY ... FROM), then runs the
    remaining migrations — i.e. later migrations are applied to a populated database.

    Why it matters: A migration that is instant on an empty dev database can fail on real rows (NOT NULL without
    a default, a unique index over duplicates) or lock a big table for minutes.

    How to fix: Keep test/migration/populated.test.ts from the service template: it applies the early
    migrations, inserts thousands of rows, applies the rest and checks no row was lost.
    """
    folder = subject.join(platform.SERVICE_MIGRATION_TESTS_DIR)
    files, failures = parse_typescript_files(
        repo, "SVC-DB-02", typescript_files(repo, subject, platform.SERVICE_MIGRATION_TESTS_DIR)
    )
    yield from failures
    if not files and not failures:
        yield fail(
            "SVC-DB-02",
            folder + "/",
            None,
            f"{folder}/ holds no test",
            "Add a test that migrates, inserts rows, then applies the later migrations (see the service template).",
        )
        return
    if any(populates_between_migrations(file) for file in files):
        yield passed("SVC-DB-02", "a migration test applies later migrations to a populated database")
    elif files:
        yield fail(
            "SVC-DB-02",
            files[0].path,
            1,
            f"no test in {folder}/ runs migrations, inserts rows, then runs migrations again",
            "Insert rows between two runMigrations(...) calls so later migrations meet real data.",
        )


# --- SVC-DB-03 ---------------------------------------------------------------------------------------------
@check(
    "SVC-DB-03",
    "No long-running locks during peak hours",
    mode="auto (lock-taking statements) + human (timing)",
    kind=Kind.SERVICE,
    covers=("migrations/**",),
)
def migrations_take_no_long_locks(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: Runs squawk over the migrations (as run by runMigrations: one transaction each, PostgreSQL 17)
    and fails on its lock-taking rules — index builds without CONCURRENTLY, constraints without NOT VALID,
    column type changes, NOT NULL / volatile defaults on existing tables, missing lock_timeout — unless the
    statement only touches a table the same migration created (an empty, unshared table). When none remain, a
    person still confirms the deploy runs off-peak.

    Why it matters: An ACCESS EXCLUSIVE or SHARE lock on a busy table queues every request behind it; at peak
    that is an outage.

    A migration whose first line is `-- scaffold: no-transaction` runs outside a transaction (the only way
    CREATE INDEX CONCURRENTLY can run) and must hold exactly one statement; squawk's lock_timeout and
    statement_timeout rules do not apply to a lone CONCURRENTLY statement, which cannot be preceded by a SET there.

    How to fix: Follow squawk's advice in the finding (CREATE INDEX CONCURRENTLY alone in a migration that
    starts with `-- scaffold: no-transaction`, ADD
    CONSTRAINT ... NOT VALID then VALIDATE, `SET lock_timeout = '5s'`), then record the timing with
    `scaffold attest SVC-DB-03 --note "runs off-peak"`.
    """
    parsed, failures = migrations(repo, subject, "SVC-DB-03")
    yield from failures
    if not parsed and not failures:
        yield not_applicable("SVC-DB-03", f"no migrations in {subject.join(platform.SERVICE_MIGRATIONS_DIR)}/")
        return
    try:
        squawked = _squawk(repo, parsed)
    except RuntimeError as error:
        yield fail("SVC-DB-03", parsed[0].path, 1, f"cannot lint migrations: {error}", "pip install squawk-cli")
        return
    by_path = {m.path: m for m in parsed}
    for migration in parsed:
        text = repo.read_text(migration.path) or ""
        if text.startswith(platform.NO_TRANSACTION_MARKER) and len(migration.parsed.statements) > 1:
            failures.append(
                fail(
                    "SVC-DB-03",
                    migration.path,
                    migration.parsed.statements[1].line,
                    f"runs outside a transaction (`{platform.NO_TRANSACTION_MARKER}`) but holds "
                    f"{len(migration.parsed.statements)} statements, which Postgres runs as one implicit transaction",
                    "Keep one statement in a no-transaction migration; move the others to their own migrations.",
                )
            )
            yield failures[-1]
    locking = [
        finding
        for finding in squawked
        if finding.rule in sql_parser.SQUAWK_LOCK_RULES
        and finding.file in by_path
        and not _only_new_tables(by_path[finding.file], finding.line)
        and not (finding.rule in _TIMEOUT_RULES and _concurrent_only(repo, by_path[finding.file]))
    ]
    for finding in locking:
        advice = f" {finding.help}" if finding.help else ""
        yield fail(
            "SVC-DB-03",
            finding.file,
            finding.line,
            f"squawk {finding.rule}: {finding.message}",
            f"Rewrite the statement so it does not hold the lock for long.{advice}",
        )
    if not failures and not locking:
        yield passed("SVC-DB-03", f"{len(parsed)} migrations take no long lock on an existing table")
        yield needs_human(
            "SVC-DB-03",
            "confirm the migrations are deployed outside peak hours",
            subject.join(platform.SERVICE_MIGRATIONS_DIR),
        )


# A lone CONCURRENTLY statement runs outside a transaction, so no `SET lock_timeout` can precede it in its
# migration; it takes SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes.
_TIMEOUT_RULES = frozenset({"require-lock-timeout", "require-statement-timeout"})


def _concurrent_only(repo: RepoView, migration: Migration) -> bool:
    text = repo.read_text(migration.path) or ""
    statements = migration.parsed.statements
    return (
        text.startswith(platform.NO_TRANSACTION_MARKER)
        and len(statements) == 1
        and bool(getattr(statements[0].node, "concurrent", False))
    )


# --- SVC-DB-04 ---------------------------------------------------------------------------------------------
def brand_read_paths(files: list[TsFile]) -> dict[str, tuple[str, int]]:
    """Tables the service's queries filter by brand_id → the first (file, line) doing so. Queries are the first
    argument of `<db>.query(...)` calls, parsed with pglast (`${...}` stand in as NULL)."""
    found: dict[str, tuple[str, int]] = {}
    for file in files:
        for call in ts_parser.calls(file.parsed, lambda callee: callee.endswith(".query")):
            query = call.first_string()
            if query is None:
                continue
            for table in sql_parser.tables_filtered_by(_SUBSTITUTION.sub("NULL", query), "brand_id") or ():
                found.setdefault(table, (file.path, call.line))
    return found


@check(
    "SVC-DB-04",
    "`brand_id` column required + indexed where read paths use it",
    mode="auto",
    kind=Kind.SERVICE,
    covers=("migrations/**", "src/**"),
)
def brand_id_required_and_indexed(repo: RepoView, subject: Subject) -> Iterator[Finding]:
    """
    What it does: For every table the migrations create, checks that `brand_id` is NOT NULL (or a primary key
    column); and for every table the service's queries (`db.query("SELECT ... WHERE brand_id = $1")` in `src/`,
    parsed with pglast) filter by brand_id, that some index — CREATE INDEX, PRIMARY KEY or UNIQUE — leads with
    brand_id. Not applicable when service.yaml says `brand_scope: global`.

    Why it matters: A nullable brand_id lets rows escape brand scoping; a brand-filtered read without an index
    scans every brand's rows and gets slower as the platform grows.

    How to fix: Declare `brand_id text NOT NULL` and add `CREATE INDEX <table>_brand_id_..._idx ON <table>
    (brand_id, ...)` in a new migration (CONCURRENTLY for a table that already holds rows).
    """
    if brand_scope_is_global(repo, subject):
        yield not_applicable("SVC-DB-04", "service.yaml declares brand_scope: global (rows are shared by brands)")
        return
    parsed, failures = migrations(repo, subject, "SVC-DB-04")
    code, code_failures = sources(repo, subject, "SVC-DB-04")
    yield from failures
    yield from code_failures
    tables: dict[str, tuple[str, sql_parser.Table]] = {}
    not_null: set[str] = set()
    indexed: set[str] = set()
    for migration in parsed:
        for table in sql_parser.tables_created(migration.parsed):
            tables[table.name] = (migration.path, table)
            if any(c.name == "brand_id" and c.not_null for c in table.columns):
                not_null.add(table.name)
        for table_name, column, _ in sql_parser.columns_added(migration.parsed):
            if column.name == "brand_id" and column.not_null:
                not_null.add(table_name)
        for change in sql_parser.schema_changes(migration.parsed):
            if change.action == "set_not_null" and change.target == "brand_id" and change.table:
                not_null.add(change.table)
        for index in sql_parser.indexes_created(migration.parsed):
            if index.columns and index.columns[0] == "brand_id":
                indexed.add(index.table)
        for table_name, _ in sql_parser.tables_dropped(migration.parsed):
            tables.pop(table_name, None)
    if not tables and not failures:
        yield not_applicable("SVC-DB-04", f"no tables are created in {subject.join('migrations')}/")
        return
    reads = brand_read_paths(code)
    problems = 0
    for name, (path, table) in tables.items():
        if name not in not_null:
            problems += 1
            has_column = any(c.name == "brand_id" for c in table.columns)
            yield fail(
                "SVC-DB-04",
                path,
                table.line,
                f"{name}.brand_id is nullable" if has_column else f"table {name} has no brand_id column",
                f"Declare `brand_id text NOT NULL` on {name} (SET NOT NULL in a new migration once backfilled).",
            )
        if name in reads and name not in indexed:
            problems += 1
            read_file, read_line = reads[name]
            yield fail(
                "SVC-DB-04",
                path,
                table.line,
                f"{name} is read by brand_id ({read_file}:{read_line}) but no index leads with brand_id",
                f"CREATE INDEX {name}_brand_id_idx ON {name} (brand_id, ...) in a new migration.",
            )
    if not failures and not code_failures and not problems:
        yield passed("SVC-DB-04", f"{len(tables)} tables: brand_id NOT NULL, indexed for {len(reads)} brand reads")
