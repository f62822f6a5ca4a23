"""SQL migrations through pglast (the real PostgreSQL parser) and squawk (the migration-safety linter).

    migration = parse_migration(text)      # ParsedSql: statements with lines, or .error / .error_line
    migration.statements[0].kind           # "create_table", "create_index", "alter_table", "rename", "drop", ...
    tables_created(migration)              # CREATE TABLE: name, columns (name, type, not_null), line
    indexes_created(migration)             # CREATE INDEX: table, columns, concurrent, line
    schema_changes(migration)              # breaking (contract-phase) changes: DROP, RENAME, type change, SET NOT NULL
    run_squawk({"a.sql": "/abs/a.sql"})    # squawk's findings, lines 1-based

Nothing here knows the platform layout or the checklist; the mapping of squawk rules to checklist items lives in
SQUAWK_LOCK_RULES / SQUAWK_BREAKING_RULES for the checks to use.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError

# squawk rules whose finding is a statement that takes a long or blocking lock on an existing table.
SQUAWK_LOCK_RULES = frozenset(
    {
        "require-concurrent-index-creation",
        "require-concurrent-index-deletion",
        "constraint-missing-not-valid",
        "adding-field-with-default",
        "adding-foreign-key-constraint",
        "adding-not-nullable-field",
        "adding-required-field",
        "adding-serial-primary-key-field",
        "adding-primary-key-constraint",
        "changing-column-type",
        "disallowed-unique-constraint",
        "ban-alter-domain-with-add-constraint",
        "ban-concurrent-index-creation-in-transaction",
        "require-lock-timeout",
        "require-statement-timeout",
        "require-timeout-settings",
    }
)
# squawk rules whose finding breaks clients of the old schema (a contract-phase change).
SQUAWK_BREAKING_RULES = frozenset(
    {
        "ban-drop-column",
        "ban-drop-table",
        "ban-drop-database",
        "renaming-column",
        "renaming-table",
        "changing-column-type",
    }
)
SQUAWK_PG_VERSION = "17.0"


@dataclass(frozen=True)
class Statement:
    kind: str  # create_table, create_index, alter_table, rename, drop, other
    line: int  # 1-based line of the statement's first token
    node: ast.Node = field(repr=False)
    text: str = field(repr=False, default="")


@dataclass(frozen=True)
class ParsedSql:
    statements: tuple[Statement, ...]
    error: str | None = None
    error_line: int | None = None


def _line_at(encoded: bytes, offset: int) -> int:
    return encoded[: max(offset, 0)].count(b"\n") + 1


def _skip_blank_and_comments(encoded: bytes, offset: int) -> int:
    """First offset at or after `offset` that is not whitespace or a `--` / `/* */` comment."""
    while offset < len(encoded):
        if encoded[offset : offset + 1].isspace():
            offset += 1
        elif encoded.startswith(b"--", offset):
            end = encoded.find(b"\n", offset)
            offset = len(encoded) if end < 0 else end + 1
        elif encoded.startswith(b"/*", offset):
            end = encoded.find(b"*/", offset + 2)
            offset = len(encoded) if end < 0 else end + 2
        else:
            break
    return offset


def _kind(node: ast.Node) -> str:
    return {
        ast.CreateStmt: "create_table",
        ast.IndexStmt: "create_index",
        ast.AlterTableStmt: "alter_table",
        ast.RenameStmt: "rename",
        ast.DropStmt: "drop",
    }.get(type(node), "other")


def parse_migration(text: str) -> ParsedSql:
    """Parse one migration. A syntax error gives no statements and `error` / `error_line`."""
    encoded = text.encode("utf-8")
    try:
        raw_statements = parse_sql(text)
    except ParseError as error:
        message = str(error.args[0]) if error.args else str(error)
        offset = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else 0
        return ParsedSql((), message, _line_at(encoded, offset))
    statements = []
    for raw in raw_statements:
        if raw.stmt is None:
            continue
        start = _skip_blank_and_comments(encoded, raw.stmt_location or 0)
        end = (raw.stmt_location or 0) + raw.stmt_len if raw.stmt_len else len(encoded)
        statement_text = encoded[start:end].decode("utf-8", errors="replace")
        statements.append(Statement(_kind(raw.stmt), _line_at(encoded, start), raw.stmt, statement_text))
    return ParsedSql(tuple(statements))


def header_comments(text: str) -> list[tuple[str, int]]:
    """`--` comment lines before the first statement (without the dashes), with their line numbers."""
    found: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("--"):
            found.append((stripped[2:].strip(), number))
        elif stripped:
            break
    return found


# --- CREATE TABLE / CREATE INDEX ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    type: str  # last part of the type name: uuid, text, int4, timestamptz, ...
    not_null: bool  # NOT NULL or PRIMARY KEY


@dataclass(frozen=True)
class Table:
    name: str  # unqualified
    columns: tuple[Column, ...]
    line: int
    primary_key: tuple[str, ...]


@dataclass(frozen=True)
class Index:
    name: str | None
    table: str
    columns: tuple[str | None, ...]  # None for an expression
    concurrent: bool
    unique: bool
    line: int


def _column(definition: ast.ColumnDef) -> Column:
    type_name = definition.typeName.names[-1].sval if definition.typeName and definition.typeName.names else ""
    constraints = definition.constraints or ()
    not_null = bool(definition.is_not_null) or any(
        c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY) for c in constraints
    )
    return Column(definition.colname or "", type_name, not_null)


def tables_created(parsed: ParsedSql) -> list[Table]:
    tables = []
    for statement in parsed.statements:
        node = statement.node
        if not isinstance(node, ast.CreateStmt) or node.relation is None:
            continue
        columns = [_column(e) for e in node.tableElts or () if isinstance(e, ast.ColumnDef)]
        primary: tuple[str, ...] = tuple(c.name for c in columns if c.not_null and _is_primary(node, c.name))
        for element in node.tableElts or ():
            if isinstance(element, ast.Constraint) and element.contype == ConstrType.CONSTR_PRIMARY:
                primary = tuple(k.sval for k in element.keys or ())
        columns = [Column(c.name, c.type, c.not_null or c.name in primary) for c in columns]
        tables.append(Table(node.relation.relname or "", tuple(columns), statement.line, primary))
    return tables


def columns_added(parsed: ParsedSql) -> list[tuple[str, Column, int]]:
    """`ALTER TABLE t ADD COLUMN ...`: (table, column, line) for each added column."""
    found = []
    for statement in parsed.statements:
        node = statement.node
        if isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            for command in node.cmds or ():
                if command.subtype == AlterTableType.AT_AddColumn and isinstance(command.def_, ast.ColumnDef):
                    found.append((node.relation.relname or "", _column(command.def_), statement.line))
    return found


def tables_dropped(parsed: ParsedSql) -> list[tuple[str, int]]:
    """`DROP TABLE`: (table, line) for each dropped table."""
    return [
        (change.table, change.line)
        for change in schema_changes(parsed)
        if change.action == "drop_table" and change.table
    ]


def _is_primary(node: ast.CreateStmt, column: str) -> bool:
    for element in node.tableElts or ():
        if isinstance(element, ast.ColumnDef) and element.colname == column:
            return any(c.contype == ConstrType.CONSTR_PRIMARY for c in element.constraints or ())
    return False


def indexes_created(parsed: ParsedSql) -> list[Index]:
    """CREATE INDEX statements, plus the implicit indexes of PRIMARY KEY / UNIQUE in CREATE TABLE (leading
    columns count the same for read paths)."""
    keyed = (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE)
    found = []
    for statement in parsed.statements:
        node = statement.node
        if isinstance(node, ast.IndexStmt) and node.relation is not None:
            columns = tuple(p.name if p.name else None for p in node.indexParams or ())
            table = node.relation.relname or ""
            found.append(Index(node.idxname, table, columns, bool(node.concurrent), bool(node.unique), statement.line))
        elif isinstance(node, ast.CreateStmt) and node.relation is not None:
            table = node.relation.relname or ""
            for element in node.tableElts or ():
                if isinstance(element, ast.ColumnDef):
                    for constraint in element.constraints or ():
                        if constraint.contype in keyed:
                            key: tuple[str | None, ...] = (element.colname,)
                            found.append(Index(constraint.conname, table, key, False, True, statement.line))
                elif isinstance(element, ast.Constraint) and element.contype in keyed:
                    keys = tuple(k.sval for k in element.keys or ())
                    found.append(Index(element.conname, table, keys, False, True, statement.line))
    return found


# --- schema changes ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SchemaChange:
    action: str  # drop_table, drop_column, rename_table, rename_column, change_type, set_not_null, drop_other
    table: str | None
    target: str | None  # the column (or other object) concerned
    line: int

    def describe(self) -> str:
        where = ".".join(p for p in (self.table, self.target) if p)
        return f"{self.action.replace('_', ' ')} {where}".strip()


_RENAME_ACTIONS = {ObjectType.OBJECT_TABLE: "rename_table", ObjectType.OBJECT_COLUMN: "rename_column"}
_ALTER_ACTIONS = {
    AlterTableType.AT_DropColumn: "drop_column",
    AlterTableType.AT_AlterColumnType: "change_type",
    AlterTableType.AT_SetNotNull: "set_not_null",
}


def schema_changes(parsed: ParsedSql) -> list[SchemaChange]:
    """Changes that break readers or writers of the previous schema — the contract phase of expand-contract:
    DROP TABLE / COLUMN, RENAME TABLE / COLUMN, ALTER COLUMN TYPE, SET NOT NULL. Dropping an index, a view, a
    function or a constraint is not listed (clients do not depend on them)."""
    found = []
    for statement in parsed.statements:
        node = statement.node
        if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for name in node.objects or ():
                found.append(SchemaChange("drop_table", name[-1].sval, None, statement.line))
        elif isinstance(node, ast.RenameStmt) and node.renameType in _RENAME_ACTIONS:
            table = node.relation.relname if node.relation is not None else None
            found.append(SchemaChange(_RENAME_ACTIONS[node.renameType], table, node.subname, statement.line))
        elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            for command in node.cmds or ():
                action = _ALTER_ACTIONS.get(command.subtype)
                if action is not None:
                    found.append(SchemaChange(action, node.relation.relname, command.name, statement.line))
    return found


def tables_touched(statement: Statement) -> set[str]:
    """The tables one statement creates, alters, indexes, renames or drops (unqualified names)."""
    node = statement.node
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
        return {name[-1].sval for name in node.objects or ()}
    relation = getattr(node, "relation", None)
    return {relation.relname} if isinstance(relation, ast.RangeVar) and relation.relname else set()


def statement_at(parsed: ParsedSql, line: int) -> Statement | None:
    """The statement that spans `line` (the last one starting at or before it)."""
    candidates = [s for s in parsed.statements if s.line <= line]
    return candidates[-1] if candidates else None


# --- queries ---------------------------------------------------------------------------------------------
def _nodes(value: object) -> Iterator[ast.Node]:
    """Every AST node below `value` (inclusive)."""
    if isinstance(value, ast.Node):
        yield value
        for name in value:
            yield from _nodes(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _nodes(item)


def tables_filtered_by(query: str, column: str) -> set[str] | None:
    """Tables that SELECT / UPDATE / DELETE statements in `query` read with `column` in their WHERE clause
    (e.g. the read paths that filter by brand_id). None when `query` is not SQL that parses."""
    try:
        raw_statements = parse_sql(query)
    except ParseError:
        return None
    found: set[str] = set()
    for raw in raw_statements:
        for node in _nodes(raw.stmt):
            if isinstance(node, ast.SelectStmt):
                sources, where = node.fromClause, node.whereClause
            elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
                sources, where = (node.relation,), node.whereClause
            else:
                continue
            tables = {
                (r.alias.aliasname if r.alias is not None else r.relname): r.relname
                for r in _nodes(sources)
                if isinstance(r, ast.RangeVar) and r.relname
            }
            for ref in _nodes(where):
                if not isinstance(ref, ast.ColumnRef) or not ref.fields:
                    continue
                names = [getattr(f, "sval", None) for f in ref.fields]
                if names[-1] != column:
                    continue
                qualifier = names[-2] if len(names) > 1 else None
                if qualifier is None:
                    found.update(tables.values())
                elif qualifier in tables:
                    found.add(tables[qualifier])
    return found


def loads_rows(query: str) -> bool:
    """Whether `query` parses and inserts rows (INSERT, or COPY ... FROM)."""
    try:
        raw_statements = parse_sql(query)
    except ParseError:
        return False
    return any(
        isinstance(raw.stmt, ast.InsertStmt) or (isinstance(raw.stmt, ast.CopyStmt) and raw.stmt.is_from)
        for raw in raw_statements
    )


# --- squawk ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SquawkFinding:
    file: str  # the key given to run_squawk
    line: int  # 1-based
    rule: str
    message: str
    help: str | None


def squawk_executable() -> str | None:
    """squawk-cli installs its binary beside the Python scaffold runs on; pipx and `uv tool` run scaffold by its full
    path without putting that folder on PATH, so look there before PATH."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        found = shutil.which("squawk", path=str(folder))
        if found is not None:
            return found
    return shutil.which("squawk")


def squawk_available() -> bool:
    return squawk_executable() is not None


def run_squawk(files: Mapping[str, str], assume_in_transaction: bool = True) -> list[SquawkFinding]:
    """Run `squawk --reporter json` over `files` (label -> absolute path). Lines come back 1-based.

    Raises RuntimeError when squawk is missing or its output cannot be read."""
    if not files:
        return []
    executable = squawk_executable()
    if executable is None:
        raise RuntimeError("squawk is not installed (pip install squawk-cli)")
    by_path = {path: label for label, path in files.items()}
    command = [executable, "--reporter", "json", f"--pg-version={SQUAWK_PG_VERSION}"]
    command.append("--assume-in-transaction" if assume_in_transaction else "--no-assume-in-transaction")
    result = subprocess.run([*command, *by_path], capture_output=True, text=True, timeout=60, check=False)
    try:
        reported = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as error:
        raise RuntimeError(f"squawk gave unreadable output: {result.stderr.strip() or error}") from error
    return [
        SquawkFinding(
            by_path.get(item["file"], item["file"]),
            int(item.get("line") or 0) + 1,
            str(item.get("rule_name")),
            str(item.get("message")),
            item.get("help"),
        )
        for item in reported
    ]
