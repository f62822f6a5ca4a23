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
    live_tables,
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


def _unreadable_bodies(check_id: str, migration: Migration, what: str) -> Iterator[Finding]:
    """needs_human for each statement of a DO block or function body that cannot be read (a dynamic EXECUTE)."""
    for unreadable in migration.parsed.unreadable:
        yield needs_human(
            check_id,
            f"could not read a statement in a body: {unreadable.reason}; confirm it {what}",
            migration.path,
            unreadable.line,
        )


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
    changing-column-type rules are merged in), one finding per change at its clause's line, including changes
    inside DO blocks and function bodies (an EXECUTE of SQL built at run time needs a person). Such a migration
    passes only as the contract half of expand-contract: its header says `-- contract: NNNN_<expand>.sql`,
    naming an earlier migration that exists (the whole name, with or without `.sql`).

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
        squawked = []  # pglast alone decides; SVC-DB-03 reports squawk's failure
    names = [m.name for m in parsed]
    ok = not failures
    created_before: set[str] = set()  # by earlier migrations of this service
    for index, migration in enumerate(parsed):
        breaking = _breaking_changes(migration, created_before, [f for f in squawked if f.file == migration.path])
        created_before |= {table.name for table in sql_parser.tables_created(migration.parsed)}
        unreadable = list(_unreadable_bodies("SVC-DB-01", migration, "drops, renames and retypes nothing"))
        ok = ok and not unreadable
        yield from unreadable
        if not breaking:
            continue
        marker = contract_marker(repo, migration)
        if marker is None:
            ok = False
            for line, what in breaking:
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
        # the name is matched whole (with or without .sql): `-- contract: 0` names no migration
        if not any(expand in (name, name.removesuffix(".sql")) for name in earlier):
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


# squawk's breaking rules → the schema change pglast lists for the same clause (squawk's is then a duplicate)
_SQUAWK_ACTIONS = {
    "ban-drop-column": "drop_column",
    "ban-drop-table": "drop_table",
    "renaming-column": "rename_column",
    "renaming-table": "rename_table",
    "changing-column-type": "change_type",
}


def _breaking_changes(
    migration: Migration, created_before: set[str], squawked: list[sql_parser.SquawkFinding]
) -> list[tuple[int, str]]:
    """(line, what) for each change of `migration` that breaks readers of the old schema, one per change."""
    breaking: list[tuple[int, str]] = []
    covered: set[tuple[int, str]] = set()  # (statement line, action) that pglast listed
    for change in sql_parser.schema_changes(migration.parsed):
        statement = sql_parser.statement_at(migration.parsed, change.line)
        covered.add((statement.line if statement else change.line, change.action))
        if _only_new_tables(migration, change.line):
            continue
        if change.if_exists and change.table not in created_before:
            continue  # DROP TABLE IF EXISTS of a table no earlier migration created: nothing is dropped
        breaking.append((change.line, change.describe()))
    for finding in squawked:
        statement = sql_parser.statement_at(migration.parsed, finding.line)
        key = (statement.line if statement else finding.line, _SQUAWK_ACTIONS.get(finding.rule, finding.rule))
        if key not in covered and not _only_new_tables(migration, finding.line):
            covered.add(key)
            breaking.append((finding.line, f"{finding.rule}: {finding.message}"))
    return sorted(breaking)


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
    statement only touches a table the same migration created (an empty, unshared table). The missing-timeout
    finding covers the whole file: it stands when any statement it covers locks an existing table (a new
    foreign key locks the table it references). Statements inside DO blocks and function bodies are linted like
    top-level ones; an EXECUTE of SQL built at run time needs a person. It also fails UPDATE / DELETE without
    WHERE on an existing table and CONCURRENTLY inside the migration's transaction. When none remain, a person
    still confirms the deploy runs off-peak.

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
    column_types = _column_types_before(parsed)
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
        and _locks_existing_table(by_path[finding.file], finding)
        and not _only_widens(by_path[finding.file], finding, column_types[finding.file])
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
    undecided: list[Finding] = []
    reported = {(f.file, f.line, f.rule) for f in locking}
    for migration in parsed:
        in_transaction = not (repo.read_text(migration.path) or "").startswith(platform.NO_TRANSACTION_MARKER)
        for statement in sql_parser.concurrent_index_statements(migration.parsed) if in_transaction else ():
            # squawk reports this only when the file holds other statements; the runner wraps a lone one too
            if (migration.path, statement.line, "ban-concurrent-index-creation-in-transaction") in reported:
                continue
            failures.append(
                fail(
                    "SVC-DB-03",
                    migration.path,
                    statement.line,
                    "CONCURRENTLY cannot run inside the transaction runMigrations wraps this migration in: "
                    "the deploy fails here",
                    f"Put the statement alone in a migration whose first line is `{platform.NO_TRANSACTION_MARKER}`.",
                )
            )
            yield failures[-1]
        for table, line, verb in sql_parser.unfiltered_writes(migration.parsed):
            if table in _created_earlier_in_file(migration, line):
                continue
            failures.append(
                fail(
                    "SVC-DB-03",
                    migration.path,
                    line,
                    f"{verb} without WHERE locks every row of {table} until the migration commits",
                    "Backfill in batches outside the migration (a job that updates a few thousand rows at a time).",
                )
            )
            yield failures[-1]
        undecided += _unreadable_bodies("SVC-DB-03", migration, "takes no long lock on an existing table")
    yield from undecided
    if not failures and not locking and not undecided:
        yield passed("SVC-DB-03", f"{len(parsed)} migrations take no long lock on an existing table")
        yield needs_human(
            "SVC-DB-03",
            "confirm the migrations are deployed outside peak hours",
            subject.join(platform.SERVICE_MIGRATIONS_DIR),
        )


# A lone CONCURRENTLY statement runs outside a transaction, so no `SET lock_timeout` can precede it in its
# migration; it takes SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes.
_TIMEOUT_RULES = frozenset({"require-lock-timeout", "require-statement-timeout", "require-timeout-settings"})
# The settings a timeout rule asks for: a SET of one of them ends what the file-wide finding covers.
_TIMEOUT_SETTINGS = {
    "require-lock-timeout": {"lock_timeout"},
    "require-statement-timeout": {"statement_timeout"},
    "require-timeout-settings": {"lock_timeout", "statement_timeout"},
}


ColumnTypes = dict[tuple[str, str], sql_parser.Column]


def _column_types_before(parsed: list[Migration]) -> dict[str, ColumnTypes]:
    """For each migration, the column types its earlier migrations declared: (table, column) -> column."""
    known: ColumnTypes = {}
    before: dict[str, ColumnTypes] = {}
    for migration in parsed:
        before[migration.path] = dict(known)
        for table in sql_parser.tables_created(migration.parsed):
            known.update({(table.name, column.name): column for column in table.columns})
        for table_name, column, _ in sql_parser.columns_added(migration.parsed):
            known[(table_name, column.name)] = column
        for change in sql_parser.schema_changes(migration.parsed):
            if change.action == "change_type" and change.table and change.target and change.new_type:
                known[(change.table, change.target)] = change.new_type
    return before


def _only_widens(migration: Migration, finding: sql_parser.SquawkFinding, types: ColumnTypes) -> bool:
    """Whether squawk's changing-column-type finding concerns only string columns widened (varchar(n) -> text or a
    longer varchar), which PostgreSQL does without a rewrite. Decided only when the earlier migrations declared
    each column's type; otherwise squawk's finding stands."""
    if finding.rule != "changing-column-type":
        return False
    statement = sql_parser.statement_at(migration.parsed, finding.line)
    changes = [
        change
        for change in sql_parser.schema_changes(migration.parsed)
        if change.action == "change_type" and sql_parser.statement_at(migration.parsed, change.line) is statement
    ]
    # squawk reports each clause at its line; a finding at the statement's first line covers all of them
    changes = [change for change in changes if change.line == finding.line] or changes
    if not changes:
        return False
    for change in changes:
        old = types.get((change.table or "", change.target or ""))
        if old is None or change.new_type is None or not sql_parser.is_widening(old, change.new_type):
            return False
    return True


def _locks_existing_table(migration: Migration, finding: sql_parser.SquawkFinding) -> bool:
    """Whether squawk's finding concerns a lock on a table that existed before this migration.

    The timeout rules are file-wide: squawk reports them once, at the first slow statement, but they cover every
    statement from there to the SET that provides the timeout. Such a finding stands when any covered statement
    locks an existing table (foreign-key targets included); statements that lock no table (ALTER TYPE … ADD
    VALUE) and tables the file itself created before do not count. Other rules concern their own statement."""
    if finding.rule not in _TIMEOUT_RULES:
        return not _only_new_tables(migration, finding.line)
    first = sql_parser.statement_at(migration.parsed, finding.line)
    if first is None:
        return True  # cannot place it: keep squawk's word
    settings = _TIMEOUT_SETTINGS[finding.rule]
    for statement in migration.parsed.every_statement:
        if statement.line < first.line:
            continue
        if sql_parser.setting_set(statement) in settings:
            break
        if sql_parser.tables_locked(statement) - _created_earlier_in_file(migration, statement.line):
            return True
    return False


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
    brand_id; and that no query of the service reads a table that has a brand_id column (SELECT, UPDATE, DELETE)
    without brand_id in its WHERE or JOIN condition. Not applicable when service.yaml says `brand_scope: global`.

    Why it matters: A nullable brand_id lets rows escape brand scoping; a read without brand_id in its WHERE hands
    one brand another brand's rows; a brand-filtered read without an index scans every brand's rows and gets slower
    as the platform grows.

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
    tables = live_tables(parsed)
    not_null = {
        name for name, (_, table) in tables.items() if any(c.name == "brand_id" and c.not_null for c in table.columns)
    }
    indexed: set[str] = set()
    for migration in parsed:
        for table_name, column, _ in sql_parser.columns_added(migration.parsed):
            if column.name == "brand_id" and column.not_null:
                not_null.add(table_name)
        for change in sql_parser.schema_changes(migration.parsed):
            if change.action == "set_not_null" and change.target == "brand_id" and change.table:
                not_null.add(change.table)
        for index in sql_parser.indexes_created(migration.parsed):
            if index.columns and index.columns[0] == "brand_id":
                indexed.add(index.table)
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
    scoped = {name for name, (_, table) in tables.items() if any(c.name == "brand_id" for c in table.columns)}
    for file, line, read in unscoped_reads(code, scoped):
        problems += 1
        yield fail(
            "SVC-DB-04",
            file,
            line,
            f"this query reads {read}, a brand-scoped table, without brand_id in its WHERE: it sees every brand's rows",
            f"Add `brand_id = $n` (the caller's c.var.auth.brand_id) to the WHERE clause for {read}.",
        )
    if not failures and not code_failures and not problems:
        yield passed("SVC-DB-04", f"{len(tables)} tables: brand_id NOT NULL, indexed for {len(reads)} brand reads")


def unscoped_reads(files: list[TsFile], scoped: set[str]) -> Iterator[tuple[str, int, str]]:
    """(file, line, table) of every `<db>.query(...)` in the code that reads a brand-scoped table (one with a
    brand_id column) without brand_id in its WHERE or JOIN condition."""
    for file in files:
        for call in ts_parser.calls(file.parsed, lambda callee: callee.endswith(".query")):
            query = call.first_string()
            if query is None:
                continue
            for table in sorted(sql_parser.tables_read_without(_SUBSTITUTION.sub("NULL", query), "brand_id") or ()):
                if table in scoped:
                    yield file.path, ts_parser.line_of(call.arguments[0].node), table
