"""Free-text answers cannot inject code or break generated files: control and format characters are refused with
one line and exit 2, and text written into TypeScript is escaped by one function (issue 8, "Injection through
answers")."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold.cli import main
from scaffold.generators.free_text import problem, ts_comment, ts_string
from scaffold.parsers import typescript as ts

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
REFUSED = {
    "CR": "Nightly\rprocess.exit(1)",
    "LF": "Nightly\nprocess.exit(1)",
    "U+2028": "Nightly\u2028process.exit(1)",
    "U+2029": "Nightly\u2029process.exit(1)",
    "bidi override": "Nightly \u202eevil",
    "bidi isolate": "Nightly \u2066evil",
    "NUL": "Nightly\x00",
    "zero-width space": "Night\u200bly",
    "DEL": "Nightly\x7f",
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("answers") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def platform(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine, root)
    return root


def _tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.blake2b(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _command(*argv: str) -> Callable[[Path, str], list[str]]:
    """argv for one generator with the answer in the place of `{}`."""

    def build(root: Path, answer: str) -> list[str]:
        return [*(part.replace("{}", answer) for part in argv), "--repo", str(root), "--defaults", "--no-verify"]

    return build


GENERATORS = {
    "service description": _command("new", "service", "s2", "--description", "{}"),
    "service owner": _command("new", "service", "s2", "--owner", "{}"),
    "service on-call": _command("new", "service", "s2", "--on-call", "{}"),
    "job description": _command("new", "job", "nightly-cleanup", "--target", "billing", "--description", "{}"),
    "endpoint summary": _command("new", "endpoint", "item-summary", "--service", "billing", "--summary", "{}"),
    "endpoint description": _command("new", "endpoint", "item-summary", "--service", "billing", "--description", "{}"),
    "endpoint scope description": _command(
        "new", "endpoint", "item-export", "--service", "billing", "--scope", "billing:export",
        "--scope-description", "{}",
    ),
    "integration partner": _command("new", "integration", "acme-crm", "--partner", "{}"),
    "integration client id": _command("new", "integration", "acme-crm", "--client-id", "{}"),
    "integration redirect URI": _command("new", "integration", "acme-crm", "--redirect-uri", "prod=https://acme.example/{}"),
}


@pytest.mark.parametrize("character", ["CR", "U+2028", "bidi override", "NUL"])
@pytest.mark.parametrize("generator", sorted(GENERATORS))
def test_a_control_or_format_character_in_an_answer_is_one_line_and_exit_2(
    platform: Path, generator: str, character: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree(platform)
    assert main(GENERATORS[generator](platform, REFUSED[character])) == 2
    error = capsys.readouterr().err
    assert error.startswith("scaffold: error:") and error.count("\n") == 1, error
    assert _tree(platform) == before


def test_an_enum_value_of_an_event_payload_is_checked_too(
    platform: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "payload.json"
    schema.write_text(json.dumps({
        "type": "object",
        "required": ["id", "state"],
        "properties": {"id": {"type": "string", "format": "uuid"}, "state": {"enum": ["open", "shut\u2028x"]}},
    }))
    argv = ["new", "event", "invoice.paid", "--publisher", "billing", "--schema-file", str(schema)]
    assert main([*argv, "--repo", str(platform), "--defaults", "--no-verify"]) == 2
    assert "U+2028" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_every_refused_character_is_named(name: str) -> None:
    assert problem(REFUSED[name]) is not None
    assert problem("Deletes sessions older than 30 days — «safely», 100 % (C:\\temp\\)") is None


def _evaluate(expression: str) -> str:
    """What node makes of a TypeScript (here: JavaScript) string expression, as JSON."""
    result = subprocess.run(
        ["node", "-e", f"process.stdout.write(JSON.stringify({expression}))"],
        capture_output=True, text=True, check=True,
    )
    return str(json.loads(result.stdout))


_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@_node
@pytest.mark.parametrize(
    "description", ["C:\\temp", "Ends with a backslash \\", 'Say "hi" and \\"bye\\"', "Cleans up ${HOME} `x`"]
)
def test_a_job_description_round_trips_through_the_registry(platform: Path, description: str) -> None:
    argv = ["new", "job", "nightly-cleanup", "--target", "billing", "--description", description, "--no-sdk"]
    assert main([*argv, "--repo", str(platform), "--defaults", "--no-verify"]) == 0
    registry = (platform / "services/jobs/src/jobs/registry.ts").read_text()
    parsed = ts.parse_typescript(registry)
    assert parsed.error_line is None
    [literal] = re.findall(r"^\s*description: (\".*\"),$", registry, flags=re.MULTILINE)[-1:]
    assert _evaluate(literal) == description
    routes = (platform / "services/billing/src/routes/jobs.ts").read_text()
    assert ts.parse_typescript(routes).error_line is None
    [comment] = [line for line in routes.splitlines() if "// Job nightly-cleanup" in line]
    assert comment.endswith(description)  # the comment keeps the text as written, on its own line


@_node
@pytest.mark.parametrize("summary", ["C:\\temp", "Trailing backslash \\", 'A "quoted" summary'])
def test_an_endpoint_summary_stays_inside_its_comment(platform: Path, summary: str) -> None:
    argv = ["new", "endpoint", "item-summary", "--service", "billing", "--summary", summary, "--no-sdk"]
    assert main([*argv, "--repo", str(platform), "--defaults", "--no-verify"]) == 0
    route = (platform / "services/billing/src/routes/item-summary.ts").read_text()
    assert ts.parse_typescript(route).error_line is None
    assert f"// itemSummary: {summary}. Third-party facing" in route


@_node
@pytest.mark.parametrize("text", ["C:\\temp", "\\", "a\u2028b\u2029c", 'q"\\"\n\r\t\x00\x7f', "\U0001f600 \U000e0041"])
def test_ts_string_evaluates_back_to_the_text_in_node(text: str) -> None:
    assert _evaluate(ts_string(text)) == text


_LINE_TERMINATORS = re.compile("[\n\r\u2028\u2029]")


def _errors(parsed: ts.ParsedTs) -> list[str]:
    return [node.type for node in ts.walk(parsed.root) if node.type == "ERROR" or node.is_missing]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_ts_string_of_any_text_parses_and_round_trips(text: str) -> None:
    literal = ts_string(text)
    parsed = ts.parse_typescript(f"export const VALUE = {literal};\nexport const AFTER = 1;\n")
    assert _errors(parsed) == []
    value = ts.literal(parsed, "VALUE")
    assert value is not None and ts.literal(parsed, "AFTER") is not None
    assert not _LINE_TERMINATORS.search(literal)
    assert json.loads(literal) == text  # JSON's string rules: what a TypeScript engine evaluates it to


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_ts_comment_of_any_text_stays_one_comment(text: str) -> None:
    body = ts_comment(text)
    assert not _LINE_TERMINATORS.search(body)
    parsed = ts.parse_typescript(f"// {body}\nexport const AFTER = 1;\n")
    assert [node.type for node in parsed.root.named_children] == ["comment", "export_statement"]


_FREE_TEXT = ("summary", "description", "owner", "on_call", "partner", "client_id", "uri", "reaction")


def test_templates_write_free_text_into_typescript_only_escaped() -> None:
    """Every free-text value in a TypeScript template goes through `tojson` (copier's sandbox) or `ts_string` /
    `ts_comment` (scaffold's own Jinja environments), or was made safe by the generator (`summary_comment`)."""
    raw = re.compile(r"\{\{\s*(\w+)(?:\[[^\]]*\])?\s*(\|[^}]*)?\}\}")
    unsafe = []
    for template in TEMPLATES.rglob("*.ts.jinja"):
        for match in raw.finditer(template.read_text()):
            name, filters = match.group(1), match.group(2) or ""
            if name in _FREE_TEXT and not re.search(r"\|\s*(tojson|ts_string|ts_comment)\b", filters):
                unsafe.append(f"{template.relative_to(TEMPLATES)}: {match.group(0)}")
    assert unsafe == []


def test_on_a_terminal_a_refused_answer_is_asked_again(platform: Path) -> None:
    from tests.commands.test_interactive import CLEAR_LINE, ENTER, Terminal

    term = Terminal("new", "job", "--repo", str(platform), "--no-verify", "--no-sdk")
    term.type(r"Job name \(kebab-case\)", "nightly-cleanup")
    term.type(r"Schedule \(UTC", "30 2 * * *")
    term.accept("Target service")
    term.type(r"What does it do \(one line\)\?", "Purges\u2028drafts")
    term.wait_for("This answer holds U\\+2028")  # refused on the spot, the question stays open
    term.child.send(CLEAR_LINE + "Purges expired drafts." + ENTER)
    status, output = term.finish()
    assert status == 0, output
    assert 'description: "Purges expired drafts.",' in (platform / "services/jobs/src/jobs/registry.ts").read_text()
