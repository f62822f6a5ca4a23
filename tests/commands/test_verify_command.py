"""`scaffold verify` and friends as a user runs them: exit codes, formats, filters, --fix, --probe, bad input."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffold.cli import main
from tests.decisions import count_decisions


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("verify") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def platform(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine, root)
    return root


def _json(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return json.loads(capsys.readouterr().out)["findings"]


def test_every_checklist_id_is_in_checklist_and_json(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checklist = (Path(__file__).parents[2] / "docs" / "CHECKLIST.md").read_text()
    first_cells = [line.split("|")[1].strip() for line in checklist.splitlines() if line.startswith("| ")]
    ids = {cell for cell in first_cells if re.fullmatch(r"[A-Z]+(-[A-Z]+)?-\d{2}", cell)}
    assert len(ids) == 86
    assert main(["checklist"]) == 0
    listed = capsys.readouterr().out
    assert all(check_id in listed for check_id in ids)
    assert main(["verify", str(platform), "--format", "json"]) == 0
    assert {f["id"] for f in _json(capsys)} == ids


def test_fresh_platform_and_service_have_no_failure(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(platform), "--format", "json"]) == 0
    findings = _json(capsys)
    assert [f for f in findings if f["status"] == "fail"] == []
    assert {"id", "status", "title", "file", "line", "message"} <= set(findings[0])


def test_strict_fails_while_human_items_are_open(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(platform), "--strict", "--summary"]) == 1
    assert "need a human" in capsys.readouterr().out


def test_a_failure_gives_exit_1_with_file_and_line(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    routes = platform / "services/billing/src/routes/items.ts"
    routes.write_text(routes.read_text().replace('requireScope("billing:read"), ', "", 1))
    assert main(["verify", str(platform), "--only", "SVC-CODE-04", "--format", "json"]) == 1
    failing = [f for f in _json(capsys) if f["status"] == "fail"]
    assert failing and failing[0]["file"] == "services/billing/src/routes/items.ts" and failing[0]["line"]


def test_only_and_subject_folder_filter(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(platform / "services/billing"), "--only", "SVC-DB,EVT-03", "--format", "json"]) == 0
    assert {f["id"] for f in _json(capsys)} == {"SVC-DB-01", "SVC-DB-02", "SVC-DB-03", "SVC-DB-04", "EVT-03"}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown"])
def test_every_format_renders(platform: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    assert main(["verify", str(platform), "--format", fmt, "--only", "SVC-CODE"]) == 0
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "/nonexistent/x"], "no such file"),
        (["verify", "--only", "NOPE-01"], "no checklist ID"),
        (["verify", "--dry-run"], "--dry-run goes with --fix"),
        (["verify", "--format", "xml"], "invalid choice"),
        (["explain", "SVC-XX-99"], "unknown checklist ID"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    platform: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str
) -> None:
    monkeypatch.chdir(platform)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_fix_dry_run_shows_the_diff_then_fix_restores(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = platform / "docs/services/billing.md"
    original = page.read_text()
    page.write_text(original + "stale line\n")
    names = platform / "packages/contracts/src/events/names.generated.ts"
    names_original = names.read_text()
    names.write_text(names_original.replace('  "billing.item_created",\n', ""))
    assert main(["verify", str(platform), "--only", "SVC-DOC-03,EVT-03", "--format", "json"]) == 1
    capsys.readouterr()
    assert main(["verify", str(platform), "--fix", "--dry-run", "--only", "SVC-DOC-03", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert "-stale line" in out and '+  "billing.item_created",' in out
    assert page.read_text().endswith("stale line\n")
    assert main(["verify", str(platform), "--fix", "--only", "SVC-DOC-03,EVT-03", "--format", "json"]) == 0
    assert page.read_text() == original and names.read_text() == names_original


def test_fix_names_the_failures_it_cannot_fix(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The reported bug: after `new endpoint` (SDK stale, no node_modules) `verify --fix --dry-run` said "nothing to
    change" while items failed, and stopped there."""
    argv = ["new", "endpoint", "item-summary", "--repo", str(platform), "--defaults", "--no-verify", "--no-sdk"]
    assert main(argv) == 0
    (platform / "services/billing/tsconfig.json").unlink()  # a failure no derivation fixes (SVC-CODE-01)
    capsys.readouterr()
    assert main(["verify", str(platform), "--fix", "--dry-run", "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert "nothing to change" in err
    assert "failure(s) it cannot fix" in err
    assert "SVC-SDK-01 [service:billing]" in err and "run `pnpm install`, then `scaffold verify --fix` again" in err
    assert "SVC-CODE-01 [service:billing]" in err and "tsconfig.json" in err


def test_fix_on_a_passing_tree_lists_nothing_it_cannot_fix(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["verify", str(platform), "--fix", "--dry-run", "--format", "json"]) == 0
    assert "cannot fix" not in capsys.readouterr().err


def test_explain_prints_the_doc(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "svc-code-04"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("SVC-CODE-04") and "Why it matters" in out and "How to fix" in out


def test_attest_turns_a_human_item_into_pass(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "attest",
                "SVC-DEP-09",
                "--subject",
                "service:billing",
                "--by",
                "Dana Reviewer",
                "--note",
                "prod gate approved",
                "--repo",
                str(platform),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["verify", str(platform), "--only", "SVC-DEP-09", "--format", "json"]) == 0
    statuses = {f["status"] for f in _json(capsys)}
    assert statuses == {"pass"}


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[str, type[_Health]]]:
    handler = type("Health", (_Health,), {"status": 200})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()


def test_probe_decides_deploy_evidence_against_a_live_server(
    platform: Path, capsys: pytest.CaptureFixture[str], health_server: tuple[str, type[_Health]]
) -> None:
    url, handler = health_server
    argv = ["verify", str(platform), "--only", "SVC-DEP-05", "--format", "json", "--probe-url", f"billing:dev={url}"]
    assert main(argv) == 0
    [finding] = _json(capsys)
    assert finding["status"] == "pass" and "answered 200" in finding["message"]
    handler.status = 503
    assert main(argv) == 1
    [finding] = _json(capsys)
    assert finding["status"] == "fail" and "answered 503" in finding["message"]


def test_warm_run_reuses_the_report_until_a_file_changes(
    platform: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = count_decisions(monkeypatch)
    argv = ["verify", str(platform), "--format", "json", "--only", "SVC-CODE-04"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first and len(decided) == 1
    routes = platform / "services/billing/src/routes/items.ts"
    routes.write_text(routes.read_text().replace('requireScope("billing:read"), ', "", 1))
    assert main(argv) == 1
    assert len(decided) == 2
    assert main([*argv, "--no-cache"]) == 1
    assert len(decided) == 3


def test_the_console_entry_ends_verify_with_its_status_and_whole_report(platform: Path) -> None:
    """`run` ends a verify process without the interpreter's teardown: the report must still arrive whole (cold
    and from the cache), the status unchanged, and an error still reach stderr."""
    import subprocess
    import sys

    (platform / "services/billing/src/app.ts").write_text("export const app = ;\n")
    command = [sys.executable, "-m", "scaffold.cli", "verify", str(platform), "--format", "json"]
    for _ in range(2):  # cold, then warm
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 1, result.stderr
        findings = json.loads(result.stdout)["findings"]
        assert any(f["status"] == "fail" and f["file"] == "services/billing/src/app.ts" for f in findings)
    missing = subprocess.run([*command[:4], str(platform / "nope")], capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and missing.stderr.startswith("scaffold: error:")


def test_a_run_on_two_processes_ends_without_a_traceback(platform: Path, tmp_path: Path) -> None:
    """The forked worker of a large run (here: any run, the threshold lowered) is ended by its pool with SIGTERM;
    it must not answer with the command's own handler, whose exception printed a traceback on stderr (whether the
    pool's SIGTERM reaches the worker is a race, so the worker also writes down which handler it has)."""
    import subprocess
    import sys

    seen = tmp_path / "worker-handler"
    program = (
        "import signal, sys; import scaffold.verify.engine as engine; engine.PARALLEL_FROM_SERVICES = 1\n"
        "real = engine._run_forked_units\n"
        "def probe():\n"
        f"    open({str(seen)!r}, 'w').write(str(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL))\n"
        "    return real()\n"
        "engine._run_forked_units = probe\n"
        "from scaffold.cli import main; sys.exit(main(sys.argv[1:]))\n"
    )
    command = [sys.executable, "-c", program, "verify", str(platform), "--no-cache", "--format", "json"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["findings"]
    assert seen.read_text() == "True"
