"""Routes fail closed: every way Hono registers a route counts as served, and a registration the reader cannot
follow is a `needs_human` naming its file and line — never a silent pass (issue 10, point 1).

Each case takes a freshly generated service and rewrites its routes by hand, the way a person might."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Finding, Status

ROUTE_CHECKS = ("SVC-CODE-04", "SVC-DOC-04")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def service(generated: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(generated, root, symlinks=True)
    return root


def _routes_file(root: Path) -> Path:
    (found,) = (root / "services/billing/src/routes").glob("*.ts")
    return found


def _findings(root: Path, *ids: str) -> list[Finding]:
    findings = run_checks(root, Selection(only=ids or ROUTE_CHECKS), apply_attestations=False)
    return [f for f in findings if f.subject == "service:billing"]


def _with(findings: list[Finding], check_id: str, status: Status) -> list[Finding]:
    return [f for f in findings if f.check_id == check_id and f.status is status]


def _rewrite(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text()
    changed, count = re.subn(pattern, replacement, text, count=1)
    assert count == 1, f"{pattern!r} not found in {path}"
    path.write_text(changed)


def _list_route_as(root: Path, registration: str) -> None:
    """The list route (`app.get("/<items>", requireScope(...), ...)`) rewritten as `registration` + its rest,
    without requireScope."""
    _rewrite(
        _routes_file(root),
        r'app\.get\(("/\w+"), requireScope\("billing:read"\), ',
        lambda m: registration.replace("PATH", m.group(1)),  # type: ignore[arg-type]
    )


def test_generated_service_passes_both(service: Path) -> None:
    findings = _findings(service)
    assert not [f for f in findings if f.status is not Status.PASS], findings


@pytest.mark.parametrize(
    "registration",
    [
        'app.on("GET", PATH, ',
        'app.on(["GET"], PATH, ',
        "app.all(PATH, ",
        'app.on("get", [PATH], ',
    ],
)
def test_a_route_registered_with_on_or_all_is_served(service: Path, registration: str) -> None:
    _list_route_as(service, registration)
    findings = _findings(service)
    unscoped = _with(findings, "SVC-CODE-04", Status.FAIL)
    assert len(unscoped) == 1 and "has no requireScope" in unscoped[0].message
    assert unscoped[0].file is not None and unscoped[0].file.endswith(_routes_file(service).name)
    assert not _with(findings, "SVC-DOC-04", Status.FAIL) or registration.startswith("app.all")


def test_a_documented_operation_nobody_serves_fails(service: Path) -> None:
    _rewrite(_routes_file(service), r'app\.get\(("/\w+"), requireScope', r'app.get("/elsewhere", requireScope')
    findings = _with(_findings(service), "SVC-DOC-04", Status.FAIL)
    messages = sorted(f.message for f in findings)
    assert any("is documented" in m and "not served" in m for m in messages), messages
    assert any("GET /elsewhere is served but not in" in m for m in messages), messages


def test_a_computed_path_needs_a_human(service: Path) -> None:
    _list_route_as(service, "app.get(`/${process.env.PREFIX}`, ")
    findings = _findings(service, *ROUTE_CHECKS, "SVC-CODE-05", "SVC-CODE-09", "SVC-TEST-02")
    for check_id in (*ROUTE_CHECKS, "SVC-CODE-05", "SVC-CODE-09", "SVC-TEST-02"):
        asked = _with(findings, check_id, Status.NEEDS_HUMAN)
        assert asked, (check_id, findings)
        assert asked[0].file is not None and asked[0].file.endswith(_routes_file(service).name)
        assert asked[0].line is not None and "computed" in asked[0].message
        assert not _with(findings, check_id, Status.PASS)


def test_a_registration_on_an_unknown_receiver_needs_a_human(service: Path) -> None:
    _list_route_as(service, 'deps.server.get(PATH, ')
    asked = _with(_findings(service, "SVC-CODE-04"), "SVC-CODE-04", Status.NEEDS_HUMAN)
    assert asked and "deps.server" in asked[0].message


def test_a_mounted_sub_app_from_another_file_is_served_under_its_prefix(service: Path) -> None:
    src = service / "services/billing/src"
    (src / "admin.ts").write_text(
        'import { Hono } from "hono";\n'
        "\n"
        "export const admin = new Hono()\n"
        '  .get("/stats", (c) => c.json({}))\n'
        '  .post("/purge", (c) => c.json({}));\n'
    )
    app = src / "app.ts"
    text = app.read_text().replace('from "hono";', 'from "hono";\nimport { admin } from "./admin";', 1)
    app.write_text(text.replace("  app.onError(", '  app.route("/admin", admin);\n  app.onError(', 1))
    findings = _findings(service)
    unscoped = sorted(f.message for f in _with(findings, "SVC-CODE-04", Status.FAIL))
    assert unscoped == ["GET /admin/stats has no requireScope(...)", "POST /admin/purge has no requireScope(...)"]
    undocumented = sorted(f.message for f in _with(findings, "SVC-DOC-04", Status.FAIL))
    assert [m.split(" is served")[0] for m in undocumented] == ["GET /admin/stats", "POST /admin/purge"]


def test_a_mount_of_something_unreadable_needs_a_human(service: Path) -> None:
    app = service / "services/billing/src/app.ts"
    app.write_text(app.read_text().replace("  app.onError(", '  app.route("/ext", plugins[0]);\n  app.onError(', 1))
    asked = _with(_findings(service, "SVC-CODE-04"), "SVC-CODE-04", Status.NEEDS_HUMAN)
    assert asked and "plugins[0]" in asked[0].message and asked[0].file == "services/billing/src/app.ts"
