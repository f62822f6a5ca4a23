"""Partial runs (scope.py): `--changed-since REF` decides what the changes touch, and the table of checks that read
other services' files is kept honest by recording what every check reads."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scaffold import platform as layout
from scaffold.checks import catalogue
from scaffold.cli import main
from scaffold.verify.model import Kind
from scaffold.verify.repo import RepoView
from scaffold.verify.scope import CROSS_SERVICE_CHECKS
from scaffold.verify.subjects import home_service

SERVICES = ("billing", "orders", "shipping")
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scope") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    for name in SERVICES:
        assert main(["new", "service", name, "--repo", str(root), "--defaults", "--no-verify"]) == 0
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "base"], cwd=root, check=True)
    return root


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine, root, symlinks=True)
    return root


# --- which checks read another service's files --------------------------------------------------------------
def _other_services(paths: set[str], home: str) -> set[str]:
    found = set()
    for path in paths:
        parts = path.split("/")
        foreign = len(parts) >= 2 and parts[1] not in (home, "", *layout.RESERVED_SERVICE_NAMES)
        if foreign and parts[0] == layout.SERVICES_DIR:
            found.add(path)
    return found


def test_only_the_listed_checks_read_another_services_files(pristine: Path) -> None:
    """Every service, endpoint and event check, run on a fresh view (no index remembered from another subject), reads
    below services/ only its subject's home service folder — or is in CROSS_SERVICE_CHECKS, which --changed-since
    decides for every subject of its kind. (An event of no service's family is decided on any change.)"""
    crossing: dict[str, set[str]] = {}
    for check in catalogue().values():
        if check.kind not in (Kind.SERVICE, Kind.ENDPOINT, Kind.EVENT):
            continue
        listing = RepoView(pristine)
        for subject in [s for s in listing.subjects(check.kind) if home_service(listing, s) is not None]:
            view = RepoView(pristine)
            for kind in Kind:  # listing the subjects is the plan's work, done before any check runs
                view.subjects(kind)
            with view.recording() as reads:  # what the check asks for (the view's own record: verify/results.py)
                list(check.run(view, subject))
            home = home_service(view, subject)
            assert home is not None
            elsewhere = _other_services(view.paths_read(reads), home)
            if elsewhere:
                crossing.setdefault(check.id, set()).update(elsewhere)
    unlisted = {check: sorted(paths)[:3] for check, paths in crossing.items() if check not in CROSS_SERVICE_CHECKS}
    assert unlisted == {}, json.dumps(unlisted)


# --- --changed-since -------------------------------------------------------------------------------------------
def _run(root: Path, capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, object]:
    assert main(["verify", str(root), "--format", "json", "--no-cache", *options]) in (0, 1)
    document = json.loads(capsys.readouterr().out)
    assert isinstance(document, dict)
    return document


def _subjects(document: dict[str, object]) -> set[str]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return {f["subject"] for f in findings if f["subject"]}


def _own_subjects(document: dict[str, object]) -> set[str]:
    """The subjects decided for their own sake (the checks of CROSS_SERVICE_CHECKS are decided for every service)."""
    findings = document["findings"]
    assert isinstance(findings, list)
    return {f["subject"] for f in findings if f["subject"] and f["id"] not in CROSS_SERVICE_CHECKS}


def _rows(document: dict[str, object]) -> list[tuple[object, ...]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return [tuple(f.values()) for f in findings]


@pytest.fixture
def full(repo: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[dict[str, object]]:
    yield _run(repo, capsys)


def test_nothing_changed_decides_the_repo_level_items_only(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = _run(repo, capsys, "--changed-since", "HEAD")
    assert _subjects(document) == {"repo"}
    assert document["changed_since"] == {"ref": "HEAD", "all_subjects": False}


def test_an_edit_in_one_service_decides_that_service_and_no_other(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "services/orders/src/app.ts").write_text("export const app = ;\n")  # uncommitted
    full = _run(repo, capsys)
    document = _run(repo, capsys, "--changed-since", "HEAD")
    decided = _subjects(document)
    assert "service:orders" in decided and "repo" in decided
    own = _own_subjects(document)
    assert "event:orders.item_created" in own and "event:platform.heartbeat" in own
    elsewhere = {"service:billing", "service:shipping", "event:billing.item_created", "event:shipping.item_created"}
    assert not own & elsewhere
    others = {(row[0], row[3]) for row in _rows(document) if row[3] in ("service:billing", "service:shipping")}
    assert {check_id for check_id, _ in others} <= CROSS_SERVICE_CHECKS
    # what it decides, it decides as the whole run does, in the same order
    pairs = {(row[0], row[3]) for row in _rows(document)}
    assert [row for row in _rows(full) if (row[0], row[3]) in pairs] == _rows(document)
    assert any(row[1] == "fail" and row[4] == "services/orders/src/app.ts" for row in _rows(document))


# --- what a change ties to other services' subjects -----------------------------------------------------------
def _commit(root: Path, message: str) -> None:
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", message], cwd=root, check=True)


def _write(path: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / path).write_text(text, encoding="utf-8")

    return edit


def _replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        text = (root / path).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        (root / path).write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


CALLER = "services/orders/src/billing-client.ts"
CALLS = 'import { createClient } from "@platform/sdk-billing";\nexport const billing = createClient;\n'
ENQUEUE = 'name: "orders.item_created"'
RELAY = "services/orders/src/relay.ts"
RELAYS = (
    'import { enqueue } from "@platform/service-kit";\n'
    "export async function relay(tx: never): Promise<void> {\n"
    '  await enqueue(tx, { name: "billing.item_created", brandId: "b", payload: {} });\n'
    "}\n"
)
PUBLISHES = "  events_published:\n"
CROSSING_EDITS = {
    "a caller stops importing an SDK": _write(CALLER, "export const billing = 1;\n"),
    "a new caller imports an SDK": _write("services/shipping/src/billing-client.ts", CALLS),
    "a service subscribes to another's event": _replace(
        "services/orders/service.yaml", "  events_subscribed:\n", "  events_subscribed:\n    - billing.item_created\n"
    ),
    "a service enqueues another's event": _replace(
        "services/orders/src/routes/items.ts", ENQUEUE, 'name: "billing.item_created"'
    ),
    "an OpenAPI document": _replace("services/shipping/openapi.yaml", "paths:", "paths:\n  x: {}"),
    "a service stops enqueuing another's event": _write(RELAY, "export const relay = 1;\n"),
    "a service starts listing another's event": _replace(
        "services/orders/service.yaml", PUBLISHES, f"{PUBLISHES}    - billing.item_created\n"
    ),
}


def _tie_the_services(root: Path) -> None:
    """orders imports billing's SDK and enqueues billing's event without listing it (EVT-04 fails); committed."""
    (root / CALLER).write_text(CALLS, encoding="utf-8")
    (root / RELAY).write_text(RELAYS, encoding="utf-8")
    _commit(root, "orders calls billing and relays its event")


def _pairs_by(document: dict[str, object]) -> dict[tuple[object, object], list[tuple[object, ...]]]:
    found: dict[tuple[object, object], list[tuple[object, ...]]] = {}
    for row in _rows(document):
        found.setdefault((row[0], row[3]), []).append(row)
    return found


@pytest.mark.parametrize("edit", CROSSING_EDITS.values(), ids=CROSSING_EDITS.keys())
def test_changed_since_decides_every_pair_whose_verdict_the_change_moves(
    repo: Path, capsys: pytest.CaptureFixture[str], edit: Callable[[Path], None]
) -> None:
    """The cross-service checks are decided for another service's subject only when the change ties to it (an SDK it
    imports, an event it lists or enqueues, before or after): every (check, subject) whose findings differ between
    the whole run before and after the change is decided, as the whole run after decides it."""
    _tie_the_services(repo)
    before = _pairs_by(_run(repo, capsys))
    edit(repo)
    after = _pairs_by(_run(repo, capsys))
    moved = {pair for pair in before.keys() | after.keys() if before.get(pair) != after.get(pair)}
    assert moved, "the edit moves no verdict: it tests nothing"
    partial = _pairs_by(_run(repo, capsys, "--changed-since", "HEAD"))
    assert moved <= set(partial), sorted(moved - set(partial))
    assert all(partial[pair] == after[pair] for pair in partial if pair in after)


def test_a_change_tied_to_no_other_service_decides_none_of_theirs(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tie_the_services(repo)
    (repo / "services/shipping/src/app.ts").write_text("// a comment\n", encoding="utf-8")
    decided = _subjects(_run(repo, capsys, "--changed-since", "HEAD"))
    assert "service:shipping" in decided
    assert not decided & {
        "service:billing",
        "service:orders",
        "event:billing.item_created",
        "event:orders.item_created",
    }


def test_committed_added_and_deleted_files_count_as_changed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = repo / "services/billing/src/app.ts"
    app.write_text(app.read_text() + "// a comment\n")
    subprocess.run([*GIT, "commit", "-q", "-am", "billing"], cwd=repo, check=True)
    (repo / "services/shipping/src/extra.ts").write_text("export const extra = 1;\n")  # untracked
    decided = _own_subjects(_run(repo, capsys, "--changed-since", "HEAD~1"))
    assert {"service:billing", "service:shipping"} <= decided and "service:orders" not in decided
    (repo / "services/orders/src/app.ts").unlink()
    assert "service:orders" in _own_subjects(_run(repo, capsys, "--changed-since", "HEAD"))


def test_a_shared_file_decides_everything(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full = _run(repo, capsys)
    scopes = repo / layout.SCOPES_REGISTRY
    scopes.write_text(scopes.read_text() + "\n// reviewed\n")
    document = _run(repo, capsys, "--changed-since", "HEAD")
    assert document["changed_since"] == {"ref": "HEAD", "all_subjects": True}
    assert _rows(document) == _rows(full)


def test_a_bad_ref_is_one_line_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for ref in ("--output=/tmp/x", "no-such-branch"):
        assert main(["verify", str(repo), f"--changed-since={ref}"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("scaffold: error: --changed-since") and err.count("\n") == 1


def test_no_hook_filter_or_fsmonitor_of_the_repo_runs(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = repo.parent / "ran"
    script = repo.parent / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    script.chmod(0o755)
    for key, value in (("core.fsmonitor", str(script)), ("filter.evil.clean", str(script)),
                       ("core.hooksPath", str(repo.parent))):  # fmt: skip
        subprocess.run(["git", "config", key, value], cwd=repo, check=True)
    (repo / ".gitattributes").write_text("* filter=evil\n")
    (repo / "services/orders/src/app.ts").write_text("export const app = 1;\n")
    _run(repo, capsys, "--changed-since", "HEAD")
    assert not marker.exists()
