"""SQL migrations through pglast (the real PostgreSQL parser) and squawk (the migration-safety linter).

    migration = parse_migration(text)      # ParsedSql: statements with lines, or .error / .error_line
    migration.statements[0].kind           # "create_table", "create_index", "alter_table", "rename", "drop", ...
    tables_created(migration)              # CREATE TABLE: name, columns (name, type, not_null), line
    indexes_created(migration)             # CREATE INDEX: table, columns, concurrent, line
    schema_changes(migration)              # breaking (contract-phase) changes: DROP, RENAME, type change, SET NOT NULL
    run_squawk({"a.sql": "/abs/a.sql"})    # squawk's findings, lines 1-based

Statements inside `DO $$ … $$` blocks and function bodies (PL/pgSQL through pglast's PL/pgSQL parser, SQL-language
bodies through the SQL parser) are read too: `migration.nested` holds them with their lines in the file, the views
above include them, and `migration.linted_text` writes them out at those lines for squawk, which does not look
inside bodies. A body statement that cannot be read (a dynamic EXECUTE) is listed in `migration.unreadable`.
Positions are characters (pglast gives character offsets, not bytes).

Nothing here knows the platform layout or the checklist; the mapping of squawk rules to checklist items lives in
SQUAWK_LOCK_RULES / SQUAWK_BREAKING_RULES for the checks to use.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from pglast import ast, parse_plpgsql, parse_sql
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError, scan
from pglast.stream import RawStream

from scaffold.parsers.executables import squawk_executable

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
SQUAWK_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Statement:
    kind: str  # create_table, create_index, alter_table, rename, drop, other
    line: int  # 1-based line of the statement's first token
    node: ast.Node = field(repr=False)
    text: str = field(repr=False, default="")
    body_of: int | None = None  # line of the DO block / CREATE FUNCTION whose body holds it; None at top level


@dataclass(frozen=True)
class Unreadable:
    """A statement in a DO block or function body that cannot be read: what it runs is only known at run time."""

    line: int
    reason: str


@dataclass(frozen=True)
class ParsedSql:
    statements: tuple[Statement, ...]  # top level, in file order
    error: str | None = None
    error_line: int | None = None
    nested: tuple[Statement, ...] = ()  # inside DO blocks and function bodies
    unreadable: tuple[Unreadable, ...] = ()
    linted_text: str | None = None  # the text squawk should lint (bodies written out); None: the file as it is

    @property
    def every_statement(self) -> tuple[Statement, ...]:
        """Top-level and body statements in line order (a body's statements after the statement holding it)."""
        return tuple(sorted((*self.statements, *self.nested), key=lambda s: (s.line, s.body_of is not None)))


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, max(offset, 0)) + 1


def _skip_blank_and_comments(text: str, offset: int) -> int:
    """First offset at or after `offset` that is not whitespace or a `--` / `/* */` comment."""
    while offset < len(text):
        if text[offset].isspace():
            offset += 1
        elif text.startswith("--", offset):
            end = text.find("\n", offset)
            offset = len(text) if end < 0 else end + 1
        elif text.startswith("/*", offset):
            end = text.find("*/", offset + 2)
            offset = len(text) if end < 0 else end + 2
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
    try:
        raw_statements = parse_sql(text)
    except ParseError as error:
        message = str(error.args[0]) if error.args else str(error)
        offset = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else 0
        return ParsedSql((), message, _line_at(text, offset))
    statements = []
    spans: list[tuple[int, int]] = []  # of the statements that hold a body, for `linted_text`
    nested: list[Statement] = []
    unreadable: list[Unreadable] = []
    for raw in raw_statements:
        if raw.stmt is None:
            continue
        location = raw.stmt_location or 0
        start = _skip_blank_and_comments(text, location)
        end = location + raw.stmt_len if raw.stmt_len else len(text)
        statement = Statement(_kind(raw.stmt), _line_at(text, start), raw.stmt, text[start:end])
        statements.append(statement)
        if isinstance(raw.stmt, ast.DoStmt | ast.CreateFunctionStmt):
            spans.append((start, end))
            inner, unread = _body_statements(text, statement, depth=0)
            nested += inner
            unreadable += unread
    linted = _linted_text(text, spans, nested) if nested else None
    return ParsedSql(tuple(statements), nested=tuple(nested), unreadable=tuple(unreadable), linted_text=linted)


# --- DO blocks and function bodies -------------------------------------------------------------------------
_MAX_BODY_DEPTH = 3  # a DO block that EXECUTEs a DO block that ...: deeper nesting is reported as unreadable


def _body(node: ast.DoStmt | ast.CreateFunctionStmt) -> tuple[str, str, int] | None:
    """(language, body, offset of the quoted body in the file) of a DO block or a function with an `AS` body."""
    options = (node.args if isinstance(node, ast.DoStmt) else node.options) or ()
    language = "plpgsql" if isinstance(node, ast.DoStmt) else "sql"
    body: str | None = None
    offset = 0
    for option in options:
        if not isinstance(option, ast.DefElem):
            continue
        if option.defname == "language" and isinstance(option.arg, ast.String):
            language = (option.arg.sval or "").lower()
        elif option.defname == "as":
            value = option.arg[0] if isinstance(option.arg, tuple) and option.arg else option.arg
            if isinstance(value, ast.String):
                body, offset = value.sval or "", option.arg_location or 0
    return None if body is None else (language, body, offset)


def _body_statements(text: str, holder: Statement, depth: int) -> tuple[list[Statement], list[Unreadable]]:
    """The statements of `holder`'s body (a DO block or CREATE FUNCTION), with their lines in `text`."""
    found = _body(holder.node)  # type: ignore[arg-type]
    if found is None:
        return [], []
    language, body, offset = found
    # line 1 of the body is the line its opening quote ($$, $tag$ or ') stands on
    first_line = _line_at(text, offset)
    if language == "sql":
        return _sql_statements(body, first_line, holder.line, depth)
    if language in ("c", "internal"):
        return [], []  # compiled code: no SQL to read
    if language != "plpgsql":
        return [], [Unreadable(holder.line, f"a body in language {language} cannot be read")]
    try:
        (function,) = parse_plpgsql(holder.text)
    except (ParseError, ValueError) as error:
        return [], [Unreadable(holder.line, f"its PL/pgSQL body does not parse: {error}")]
    statements: list[Statement] = []
    unreadable: list[Unreadable] = []
    for kind, line, query in _plpgsql_queries(function, 1):
        at = first_line + line - 1
        if kind == "dynamic":
            literal = _string_literal(query)
            if literal is None:
                unreadable.append(Unreadable(at, f"EXECUTE {_shorten(query)} builds its SQL at run time"))
                continue
            query = literal
        inner, unread = _sql_statements(query, at, holder.line, depth)
        statements += inner
        unreadable += unread
    return statements, unreadable


def _plpgsql_queries(value: object, line: int) -> Iterator[tuple[str, int, str]]:
    """("sql" | "dynamic", body line, query) for every SQL statement and EXECUTE in a parsed PL/pgSQL body.

    PERFORM, conditions, assignments, RETURN QUERY [EXECUTE] and FOR … IN [EXECUTE] only read rows (a query that
    returns rows cannot be DDL), so they are not listed."""
    if isinstance(value, list):
        for item in value:
            yield from _plpgsql_queries(item, line)
    elif isinstance(value, dict):
        line = value.get("lineno", line) if isinstance(value.get("lineno"), int) else line
        for key, item in value.items():
            if key == "PLpgSQL_stmt_execsql":
                yield "sql", item.get("lineno", line), item["sqlstmt"]["PLpgSQL_expr"]["query"]
            elif key == "PLpgSQL_stmt_dynexecute":
                yield "dynamic", item.get("lineno", line), item["query"]["PLpgSQL_expr"]["query"]
            else:
                yield from _plpgsql_queries(item, line)


def _string_literal(expression: str) -> str | None:
    """The string an EXECUTE runs when it is a constant ('ALTER TABLE …'), else None."""
    try:
        (raw,) = parse_sql(f"SELECT {expression}")
    except (ParseError, ValueError):
        return None
    targets: list[ast.ResTarget] = list(getattr(raw.stmt, "targetList", None) or [])
    value = targets[0].val if len(targets) == 1 else None
    if isinstance(value, ast.A_Const) and isinstance(value.val, ast.String):
        return value.val.sval
    return None


def _shorten(query: str, limit: int = 60) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _sql_statements(
    query: str, first_line: int, holder_line: int, depth: int
) -> tuple[list[Statement], list[Unreadable]]:
    """SQL text found in a body (line 1 of `query` is `first_line` of the file), bodies in it read in turn."""
    try:
        raw_statements = parse_sql(query)
    except ParseError as error:
        return [], [Unreadable(first_line, f"a statement in a body does not parse: {error.args[0]}")]
    statements: list[Statement] = []
    unreadable: list[Unreadable] = []
    for raw in raw_statements:
        if raw.stmt is None:
            continue
        location = raw.stmt_location or 0
        start = _skip_blank_and_comments(query, location)
        end = location + raw.stmt_len if raw.stmt_len else len(query)
        line = first_line + query.count("\n", 0, start)
        statement = Statement(_kind(raw.stmt), line, raw.stmt, query[start:end], holder_line)
        statements.append(statement)
        if isinstance(raw.stmt, ast.DoStmt | ast.CreateFunctionStmt):
            if depth + 1 >= _MAX_BODY_DEPTH:
                unreadable.append(Unreadable(line, "bodies nested this deep are not read"))
                continue
            # positions inside the inner body are relative to `query`: read it with `query` as the text
            inner, unread = _body_statements(query, statement, depth + 1)
            shift = first_line - 1
            statements += [_shifted(s, shift, holder_line) for s in inner]
            unreadable += [Unreadable(u.line + shift, u.reason) for u in unread]
    return statements, unreadable


def _shifted(statement: Statement, lines: int, holder_line: int) -> Statement:
    return Statement(statement.kind, statement.line + lines, statement.node, statement.text, holder_line)


def _linted_text(text: str, spans: list[tuple[int, int]], nested: list[Statement]) -> str:
    """`text` with each DO block / CREATE FUNCTION blanked out and the statements of its body written, one line
    each, at the lines they stand on: squawk then lints them like top-level statements, at the right lines."""
    characters = list(text)
    for start, end in spans:
        # the terminating semicolon goes too, or squawk would see an empty statement
        stop = end + 1 if end < len(text) and text[end] == ";" else end
        for index in range(start, stop):
            if characters[index] not in "\r\n":
                characters[index] = " "
    lines = "".join(characters).split("\n")
    for statement in nested:
        if isinstance(statement.node, ast.DoStmt | ast.CreateFunctionStmt):
            continue  # its own statements are listed
        try:
            written = RawStream()(statement.node)
        except Exception:
            written = " ".join(line.split("--", 1)[0] for line in statement.text.splitlines())
        if 0 < statement.line <= len(lines):
            lines[statement.line - 1] += f" {written};"
    return "\n".join(lines)


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
    modifiers: tuple[int, ...] = ()  # varchar(255) -> (255,)


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
    modifiers = tuple(
        int(m.val.ival or 0)
        for m in (definition.typeName.typmods if definition.typeName else None) or ()
        if isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer)
    )
    return Column(definition.colname or "", type_name, not_null, modifiers)


# Types PostgreSQL changes to without rewriting the table or rebuilding its indexes (binary-coercible)
_STRING_TYPES = frozenset({"varchar", "text"})


def is_widening(old: Column, new: Column) -> bool:
    """Whether ALTER COLUMN TYPE from `old` to `new` only widens a string column (varchar(n) -> varchar(m >= n),
    varchar -> text): PostgreSQL then updates the catalog only, without rewriting the table."""
    if old.type not in _STRING_TYPES or new.type not in _STRING_TYPES:
        return False
    if new.type == "text" or not new.modifiers:
        return True
    return old.type == "varchar" and bool(old.modifiers) and old.modifiers[0] <= new.modifiers[0]


def tables_created(parsed: ParsedSql) -> list[Table]:
    tables = []
    for statement in parsed.every_statement:
        node = statement.node
        if not isinstance(node, ast.CreateStmt) or node.relation is None:
            continue
        columns = [_column(e) for e in node.tableElts or () if isinstance(e, ast.ColumnDef)]
        primary: tuple[str, ...] = tuple(c.name for c in columns if c.not_null and _is_primary(node, c.name))
        for element in node.tableElts or ():
            if isinstance(element, ast.Constraint) and element.contype == ConstrType.CONSTR_PRIMARY:
                primary = tuple(k.sval for k in element.keys or ())
        columns = [replace(c, not_null=c.not_null or c.name in primary) for c in columns]
        tables.append(Table(node.relation.relname or "", tuple(columns), statement.line, primary))
    return tables


def columns_added(parsed: ParsedSql) -> list[tuple[str, Column, int]]:
    """`ALTER TABLE t ADD COLUMN ...`: (table, column, line) for each added column."""
    found = []
    for statement in parsed.every_statement:
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
    for statement in parsed.every_statement:
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
    if_exists: bool = False  # DROP TABLE IF EXISTS: nothing happens when no earlier migration created the table
    new_type: Column | None = None  # change_type: the column as retyped

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
    DROP TABLE / COLUMN, RENAME TABLE / COLUMN, ALTER COLUMN TYPE, SET NOT NULL; one per change, at the line of
    its own clause (two columns dropped by one ALTER TABLE are two changes). Dropping an index, a view, a
    function or a constraint is not listed (clients do not depend on them)."""
    found = []
    for statement in parsed.every_statement:
        node = statement.node
        if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for name in node.objects or ():
                found.append(
                    SchemaChange("drop_table", name[-1].sval, None, statement.line, if_exists=bool(node.missing_ok))
                )
        elif isinstance(node, ast.RenameStmt) and node.renameType in _RENAME_ACTIONS:
            table = node.relation.relname if node.relation is not None else None
            found.append(SchemaChange(_RENAME_ACTIONS[node.renameType], table, node.subname, statement.line))
        elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            commands = node.cmds or ()
            lines = _command_lines(statement, len(commands))
            for command, line in zip(commands, lines, strict=True):
                action = _ALTER_ACTIONS.get(command.subtype)
                if action is not None:
                    retyped = _column(command.def_) if isinstance(command.def_, ast.ColumnDef) else None
                    found.append(SchemaChange(action, node.relation.relname, command.name, line, new_type=retyped))
    return found


def _command_lines(statement: Statement, count: int) -> list[int]:
    """The line each of an ALTER TABLE's `count` comma-separated commands starts on (the statement's line for
    all of them when its text cannot be followed)."""
    fallback = [statement.line] * count
    try:
        tokens = [t for t in scan(statement.text) if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    except ParseError:
        return fallback
    # ALTER TABLE [IF EXISTS] [ONLY] name[.name] [*] <command>, <command>, ...
    position = 2
    if [t.name for t in tokens[position : position + 2]] == ["IF_P", "EXISTS"]:
        position += 2
    if position < len(tokens) and tokens[position].name == "ONLY":
        position += 1
    position += 1
    while position + 1 < len(tokens) and tokens[position].name == "ASCII_46":  # schema.table
        position += 2
    if position < len(tokens) and tokens[position].name == "ASCII_42":  # table *
        position += 1
    starts = [position]
    depth = 0
    for index in range(position, len(tokens)):
        name = tokens[index].name
        depth += {"ASCII_40": 1, "ASCII_41": -1}.get(name, 0)
        if depth == 0 and name == "ASCII_44" and index + 1 < len(tokens):
            starts.append(index + 1)
    if len(starts) != count or starts[-1] >= len(tokens):
        return fallback
    return [statement.line + statement.text.count("\n", 0, tokens[index].start) for index in starts]


def _foreign_key_targets(node: ast.Node) -> set[str]:
    """Tables a statement's new foreign keys reference: adding one takes a SHARE ROW EXCLUSIVE lock on them."""
    return {
        constraint.pktable.relname
        for constraint in _nodes(node)
        if isinstance(constraint, ast.Constraint)
        and constraint.contype == ConstrType.CONSTR_FOREIGN
        and constraint.pktable is not None
        and constraint.pktable.relname
    }


def tables_touched(statement: Statement) -> set[str]:
    """The tables one statement creates, alters, indexes, renames or drops, and the tables its new foreign keys
    reference (unqualified names)."""
    node = statement.node
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
        return {name[-1].sval for name in node.objects or ()}
    relation = getattr(node, "relation", None)
    touched = {relation.relname} if isinstance(relation, ast.RangeVar) and relation.relname else set()
    return touched | _foreign_key_targets(node)


# Statements that read or write rows take row-level locks only (ROW EXCLUSIVE at most); unfiltered writes are
# listed on their own by `unfiltered_writes`.
_ROW_STATEMENTS = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.CopyStmt, ast.MergeStmt)


def tables_locked(statement: Statement) -> set[str]:
    """The tables a schema statement (DDL) takes a table lock on: what it alters, indexes, renames, drops or
    references by a new foreign key. Empty for statements that block no reads or writes (ALTER TYPE … ADD VALUE,
    SET, CREATE FUNCTION, row reads and writes, index builds and drops CONCURRENTLY)."""
    node = statement.node
    if isinstance(node, _ROW_STATEMENTS):
        return set()
    # CREATE / DROP INDEX CONCURRENTLY take SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes
    if isinstance(node, ast.IndexStmt | ast.DropStmt) and getattr(node, "concurrent", False):
        return set()
    return tables_touched(statement)


def concurrent_index_statements(parsed: ParsedSql) -> list[Statement]:
    """CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY statements (top level and in bodies): PostgreSQL
    refuses to run them inside a transaction block."""
    return [
        statement
        for statement in parsed.every_statement
        if isinstance(statement.node, ast.IndexStmt | ast.DropStmt) and getattr(statement.node, "concurrent", False)
    ]


def setting_set(statement: Statement) -> str | None:
    """The run-time setting a `SET [LOCAL] name = …` statement sets (lock_timeout, …), else None."""
    node = statement.node
    return node.name if isinstance(node, ast.VariableSetStmt) else None


def unfiltered_writes(parsed: ParsedSql) -> list[tuple[str, int, str]]:
    """(table, line, "UPDATE" | "DELETE") for each UPDATE / DELETE without WHERE: it locks every row of the table
    until the migration's transaction commits."""
    found = []
    for statement in parsed.every_statement:
        node = statement.node
        if isinstance(node, ast.UpdateStmt | ast.DeleteStmt) and node.whereClause is None and node.relation:
            verb = "UPDATE" if isinstance(node, ast.UpdateStmt) else "DELETE"
            found.append((node.relation.relname or "", statement.line, verb))
    return found


def statement_at(parsed: ParsedSql, line: int) -> Statement | None:
    """The statement that spans `line` (the last one starting at or before it)."""
    candidates = [s for s in parsed.every_statement if s.line <= line]
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


def _reads(raw_statements: Iterable[ast.RawStmt]) -> Iterator[tuple[object, object]]:
    """(FROM sources, WHERE clause) of every SELECT, UPDATE and DELETE in the statements, nested ones included."""
    for raw in raw_statements:
        for node in _nodes(raw.stmt):
            if isinstance(node, ast.SelectStmt):
                yield node.fromClause, node.whereClause
            elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
                yield (node.relation,), node.whereClause


def tables_filtered_by(query: str, column: str) -> set[str] | None:
    """Tables that SELECT / UPDATE / DELETE statements in `query` read with `column` in their WHERE clause
    (e.g. the read paths that filter by brand_id). None when `query` is not SQL that parses."""
    try:
        raw_statements = parse_sql(query)
    except ParseError:
        return None
    found: set[str] = set()
    for sources, where in _reads(raw_statements):
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
    try:
        result = subprocess.run(
            [*command, *by_path], capture_output=True, text=True, timeout=SQUAWK_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"squawk did not finish within {SQUAWK_TIMEOUT_SECONDS} s") from error
    except OSError as error:
        raise RuntimeError(f"squawk could not be started: {error}") from error
    try:
        reported = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as error:
        raise RuntimeError(f"squawk gave unreadable output: {result.stderr.strip() or error}") from error
    # squawk exits 1 when it reports findings; a failure (a file it cannot read, a crash) exits non-zero with its
    # reason on stderr and no finding
    if not isinstance(reported, list) or (result.returncode != 0 and not reported):
        raise RuntimeError(f"squawk failed (exit {result.returncode}): {_shorten(result.stderr or 'no output')}")
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


def tables_read_without(query: str, column: str) -> set[str] | None:
    """Tables that SELECT / UPDATE / DELETE statements in `query` read without `column` in their WHERE clause or
    in a JOIN's ON condition (a brand-scoped table read across brands when `column` is brand_id). A table counts
    as filtered when the column appears unqualified or qualified with the table's name or alias. None when `query`
    is not SQL that parses."""
    try:
        raw_statements = parse_sql(query)
    except ParseError:
        return None
    found: set[str] = set()
    for sources, where in _reads(raw_statements):
        tables: dict[str, str] = {
            str(r.alias.aliasname if r.alias is not None else r.relname): str(r.relname)
            for r in _direct_relations(sources)
        }
        conditions = [where, *(j.quals for j in _nodes(sources) if isinstance(j, ast.JoinExpr))]
        filtered: set[str] = set()
        for ref in _nodes(conditions):
            if not isinstance(ref, ast.ColumnRef) or not ref.fields:
                continue
            names = [getattr(f, "sval", None) for f in ref.fields]
            if names[-1] != column:
                continue
            qualifier = names[-2] if len(names) > 1 else None
            if qualifier is None:
                filtered.update(tables)
            elif qualifier in tables:
                filtered.add(qualifier)
        found.update(relname for alias, relname in tables.items() if alias not in filtered)
    return found


def _direct_relations(sources: object) -> Iterator[ast.RangeVar]:
    """The tables named in a FROM list (through joins), not those inside subqueries (judged on their own)."""
    if isinstance(sources, tuple | list):
        for item in sources:
            yield from _direct_relations(item)
    elif isinstance(sources, ast.RangeVar) and sources.relname:
        yield sources
    elif isinstance(sources, ast.JoinExpr):
        yield from _direct_relations(sources.larg)
        yield from _direct_relations(sources.rarg)
