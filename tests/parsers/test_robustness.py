"""Malformed input never escapes as an exception: parsers return error values, checks return a `fail` naming the
file. Texts are valid seeds mutated by hypothesis (cut, spliced, truncated, garbage inserted)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.parsers.hono import route_table
from scaffold.parsers.manifests import load_yaml
from scaffold.parsers.markdown import parse_markdown
from scaffold.parsers.openapi import load_openapi, operations
from scaffold.parsers.sql import indexes_created, parse_migration, schema_changes, tables_created, tables_filtered_by
from scaffold.parsers.typescript import calls, imports, literal, parse_typescript, routes, strings
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checks"
SERVICE = "services/billing"
SEEDS = {
    relative: FIXTURES / case / "repo" / SERVICE / relative
    for relative, case in [
        ("service.yaml", "SVC-CODE-02/pass"),
        ("openapi.yaml", "SVC-CODE-03/pass"),
        ("src/routes/invoices.ts", "SVC-CODE-05/pass"),
        ("migrations/0001_create_invoices.sql", "SVC-DB-04/pass"),
    ]
}
# The passing fixtures whose files, merged, make one small service for the checks to run over.
BASE_REPOS = ["SVC-CODE-02/pass", "SVC-CODE-05/pass", "SVC-DB-04/pass", "SVC-TEST-04/pass", "SVC-EV-04/pass"]
NASTY = ["", "{", "}", "(", ")", "[", "]", ":", "'", '"', "`", "${", "\n", "\t", "-- ", "/*", "*/", ";", ",", "&",
         "*", "!", "%", "@", "<<<", "\x00", "é", "\ufeff", "  - ", "? ", "|", ">"]  # fmt: skip


def mutated(seed: str) -> st.SearchStrategy[str]:
    """The seed with a slice replaced by a few nasty tokens, possibly truncated."""
    size = len(seed)
    return st.tuples(
        st.integers(0, size), st.integers(0, 40), st.lists(st.sampled_from(NASTY), max_size=4), st.booleans()
    ).map(lambda t: (seed[: t[0]] + "".join(t[2]) + seed[t[0] + t[1] :])[: t[0] + 8 if t[3] else None])


def texts(seed_key: str) -> st.SearchStrategy[str]:
    return st.one_of(mutated(SEEDS[seed_key].read_text()), st.text(max_size=200))


def _exercise_typescript(text: str) -> None:
    parsed = parse_typescript(text)
    assert parsed.error_line is None or parsed.error_line >= 1
    routes(parsed), calls(parsed, "log.info"), imports(parsed), literal(parsed, "EVENT_SCHEMAS"), strings(parsed)
    mounting = parse_typescript('import { x } from "./a";\napp.route("/x", x);')
    table = route_table({"src/a.ts": parsed, "src/b.ts": mounting})
    assert all(problem.line >= 1 for problem in table.problems)


def _exercise_sql(text: str) -> None:
    parsed = parse_migration(text)
    assert (parsed.error is None) == (parsed.error_line is None)
    tables_created(parsed), indexes_created(parsed), schema_changes(parsed), tables_filtered_by(text, "brand_id")


def _exercise_yaml(text: str) -> None:
    parsed = load_yaml(text)
    assert parsed.ok or (parsed.error_line is not None and parsed.error_line >= 1)


def _exercise_openapi(text: str) -> None:
    spec = load_openapi(text)
    operations(spec)
    assert all(error.line is None or error.line >= 1 for error in spec.errors)


EXERCISES: list[tuple[str, Callable[[str], None]]] = [
    ("src/routes/invoices.ts", _exercise_typescript),
    ("migrations/0001_create_invoices.sql", _exercise_sql),
    ("service.yaml", _exercise_yaml),
    ("openapi.yaml", _exercise_openapi),
]


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_parsers_never_raise(data: st.DataObject) -> None:
    for seed_key, exercise in EXERCISES:
        exercise(data.draw(texts(seed_key), label=seed_key))
    parse_markdown(data.draw(st.text(max_size=300), label="markdown"))


def _base_repo(root: Path) -> None:
    for case in BASE_REPOS:
        shutil.copytree(FIXTURES / case / "repo", root, dirs_exist_ok=True)


def _unreadable(relative: str, text: str) -> bool:
    if relative.endswith(".ts"):
        return parse_typescript(text).error_line is not None
    if relative.endswith(".sql"):
        return parse_migration(text).error is not None
    if relative == "openapi.yaml":
        return not load_openapi(text).ok
    return not load_yaml(text).ok


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SEEDS)), st.data())
def test_checks_turn_malformed_files_into_fails(relative: str, data: st.DataObject) -> None:
    text = data.draw(texts(relative), label=relative)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _base_repo(root)
        target = root / SERVICE / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", errors="surrogatepass")
        as_read = target.read_text(encoding="utf-8", errors="replace")  # newlines translated, as RepoView reads
        findings = run_checks(root, Selection(only=("SVC-CODE", "SVC-DB", "SVC-EV", "SVC-TEST")))
    crashed = [f for f in findings if f.message.startswith("the check itself failed")]
    assert not crashed, crashed
    if _unreadable(relative, as_read):
        named = {f.file for f in findings if f.status is Status.FAIL}
        assert f"{SERVICE}/{relative}" in named, (relative, named)
