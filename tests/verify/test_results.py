"""Per-subject results keyed by content (scaffold/verify/results.py): a run reuses a (check, subject)'s findings only
while every input it recorded is unchanged, so its report is always the cold run's; an edit re-decides the pairs
that read what changed and no other; every file a check opens is among its recorded inputs; an entry that is
tampered with, signed with another key, planted through a link or named for other content is ignored."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scaffold import platform as layout
from scaffold.checks import catalogue
from scaffold.cli import main
from scaffold.repofs.read import RepoFiles
from scaffold.verify import reporters
from scaffold.verify.cache import KEY_ENVIRONMENT_VARIABLE
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.repo import CONTENT, IS_FILE, SIZE, RepoView
from scaffold.verify.results import ResultStore
from tests.decisions import count_decisions

NOW = "2026-12-04T05:00:00Z"
HANDWRITTEN = Path(__file__).resolve().parent.parent / "fixtures" / "handwritten" / "platform"


def _generated(root: Path) -> Path:
    def run(*args: str) -> None:
        no_sdk = ["--no-sdk"] if args[:2] == ("new", "job") else []
        assert main([*args, *no_sdk, "--repo", str(root), "--defaults", "--no-verify"]) == 0

    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    run("new", "service", "billing")
    run("new", "service", "orders")
    run("new", "event", "billing.refund_issued", "--subscriber", "orders")
    run("new", "job", "nightly-cleanup", "--target", "billing")
    return root


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generated(tmp_path_factory.mktemp("results") / "platform")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # this user's secret, apart from ~/.cache
    monkeypatch.setenv("SCAFFOLD_NOW", NOW)
    monkeypatch.delenv(KEY_ENVIRONMENT_VARIABLE, raising=False)


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine, root, symlinks=True)
    return root


def _cold(root: Path) -> str:
    return reporters.render_json(run_checks(root))


def _cached(root: Path) -> tuple[str, ResultStore]:
    store = ResultStore.open(root)
    assert store is not None
    return reporters.render_json(run_checks(root, results=store)), store


def _pairs(root: Path) -> list[tuple[str, str]]:
    """(subject label, check ID) of every pair of the plan (a kind with no subject: none)."""
    view = RepoView(root)
    return [(s.label, c.id) for c in catalogue().values() for s in view.subjects(c.kind)]


def _volatile_pairs(store: ResultStore) -> set[tuple[str, str]]:
    """What a run decides however little changed: DEPLOY-04 reads the clock (freeze windows)."""
    return {pair for pair in store.decided if pair[1] == "DEPLOY-04"}


# --- reuse gives the cold report -------------------------------------------------------------------------------
def test_a_second_run_reuses_every_pair_but_the_clocks_and_reports_the_same(repo: Path) -> None:
    first, store = _cached(repo)
    assert first == _cold(repo)
    assert store.reused == 0 and len(store.decided) > 100
    second, store = _cached(repo)
    assert second == first
    assert set(store.decided) == _volatile_pairs(store) == {("repo", "DEPLOY-04")}
    assert store.reused == len(first_decided := [p for p in _pairs(repo) if p != ("repo", "DEPLOY-04")]) > 100
    assert first_decided


def test_the_command_line_run_uses_them_when_the_report_cache_misses(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(repo), "--format", "json"]) in (0, 1)
    cold = capsys.readouterr().out
    (repo / layout.VERIFY_CACHE_DIR / "verify.key").unlink()  # the whole-report cache misses
    results = repo / layout.VERIFY_RESULTS_DIR
    before = {path.name: path.stat().st_mtime_ns for path in results.iterdir()}
    assert main(["verify", str(repo), "--format", "json"]) in (0, 1)
    assert capsys.readouterr().out == cold
    rewritten = [path.name for path in results.iterdir() if before.get(path.name) != path.stat().st_mtime_ns]
    assert rewritten == []  # nothing but DEPLOY-04 was decided, and it is never kept


def test_no_cache_writes_no_results(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(repo), "--format", "json", "--no-cache"]) in (0, 1)
    assert not (repo / layout.VERIFY_RESULTS_DIR).exists()


# --- an edit re-decides what read it, and only that ----------------------------------------------------------
def _append(path: str, text: str) -> Callable[[Path], str]:
    def edit(root: Path) -> str:
        with (root / path).open("a", encoding="utf-8") as handle:
            handle.write(text)
        return path

    return edit


def _replace(path: str, old: str, new: str) -> Callable[[Path], str]:
    def edit(root: Path) -> str:
        text = (root / path).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        (root / path).write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return edit


def _delete(path: str) -> Callable[[Path], str]:
    def edit(root: Path) -> str:
        (root / path).unlink()
        return path

    return edit


def _add(path: str, text: str) -> Callable[[Path], str]:
    def edit(root: Path) -> str:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
        return path

    return edit


ROUTES = "services/billing/src/routes/items.ts"
EDITS = {
    "a comment in a handler": _append("services/billing/src/app.ts", "// a comment\n"),
    "a scope check taken out": _replace(ROUTES, 'requireScope("billing:read"), ', ""),
    "an unsafe migration": _add("services/billing/migrations/0009_drop_items.sql", "DROP TABLE items;\n"),
    "a service manifest": _replace("services/orders/service.yaml", "owner: ", "owner: x"),
    "the event registry": _replace(layout.EVENT_REGISTRY, "billing.refund_issued", "billing.refund_made"),
    "a file deleted": _delete("services/orders/RUNBOOK.md"),
    "an SDK import added": _add(
        "services/orders/src/uses-billing.ts",
        'import { createClient } from "@platform/sdk-billing";\nvoid createClient;\n',
    ),
    "the OpenAPI document": _replace("services/billing/openapi.yaml", "paths:", "paths:\n  /x: {}"),
    "the catalog": _append(layout.CATALOG, "\n# a comment\n"),
    # past the read cap: refused when read, and the check that derives its SDK imports reports that
    "a file grown past the read cap": _append("services/orders/src/app.ts", "//" + "x" * (4 << 20) + "\n"),
    "sst.config.ts": _append("sst.config.ts", "\n// a comment\n"),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_an_edit_gives_the_cold_report_and_re_decides_the_pairs_that_read_it(
    repo: Path, edit: Callable[[Path], str]
) -> None:
    _cached(repo)
    before = ResultStore.open(repo)
    assert before is not None
    pairs = _pairs(repo)
    changed = edit(repo)
    report, store = _cached(repo)
    assert report == _cold(repo)
    readers = {(label, check_id) for label, check_id in pairs if changed in _stored_paths(before, label, check_id)}
    assert readers <= set(store.decided), "a pair that read the edited file was reused"
    assert len(store.decided) < len(pairs) / 2, "an edit in one place decided most of the repo again"


def _stored_paths(store: ResultStore, label: str, check_id: str) -> set[str]:
    entry = store._load(label)
    if entry is None or check_id not in entry.pairs:
        return set()
    indexes, _ = entry.pairs[check_id]
    return {entry.rows[i][1] for i in indexes if entry.rows[i][0] in (CONTENT, IS_FILE, SIZE)}


def test_a_run_of_random_edits_never_leaves_a_stale_result(repo: Path) -> None:
    """Twenty edits in a row, each to a file picked at random (a fixed seed) — a line dropped, a line doubled, a
    word swapped for another file's, the file emptied or deleted —, each followed by a run that reuses what it can:
    every report is the cold run's."""
    import random

    chooser = random.Random(12)
    files = sorted(
        path.relative_to(repo).as_posix()
        for path in repo.rglob("*")
        if path.is_file()
        and ".scaffold/cache" not in path.as_posix()
        and path.suffix in (".ts", ".yaml", ".sql", ".md", ".json")
    )
    _cached(repo)
    for _ in range(20):
        relative = chooser.choice(files)
        target = repo / relative
        if not target.exists():
            continue
        lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
        how = chooser.choice(["drop", "double", "swap", "empty", "delete"])
        if how == "delete":
            target.unlink()
        elif how == "empty" or not lines:
            target.write_text("", encoding="utf-8")
        else:
            at = chooser.randrange(len(lines))
            if how == "drop":
                del lines[at]
            elif how == "double":
                lines.insert(at, lines[at])
            elif lines[at].split():  # swap: the line's first word for a word of another file
                donors = [f for f in files if (repo / f).is_file()]
                words = (repo / chooser.choice(donors)).read_text(encoding="utf-8").split() or ["x"]
                lines[at] = lines[at].replace(lines[at].split()[0], chooser.choice(words), 1)
            target.write_text("".join(lines), encoding="utf-8")
        report, _ = _cached(repo)
        assert report == _cold(repo), f"stale after {how} of {relative}"


def test_a_comment_in_a_handler_decides_that_service_alone(repo: Path) -> None:
    """The checks that look for SDK importers or event publishers across every service read a fact derived from
    each file (its imports, its enqueues): a comment leaves the fact, so the other services' pairs hold. (The job
    calls billing: its checks read billing's routes.)"""
    _cached(repo)
    EDITS["a comment in a handler"](repo)
    _, store = _cached(repo)
    subjects = {label for label, _check in store.decided} - {"repo"}
    assert subjects == {"service:billing", "job:nightly-cleanup"}


def test_an_sdk_import_added_re_decides_the_imported_services_callers(repo: Path) -> None:
    _cached(repo)
    EDITS["an SDK import added"](repo)
    _, store = _cached(repo)
    assert ("service:billing", "SVC-AUTH-01") in store.decided
    assert ("service:billing", "SVC-SDK-04") in store.decided


def test_attestations_are_applied_to_reused_results(repo: Path) -> None:
    _cached(repo)
    assert main(["attest", "SVC-AUTH-04", "--subject", "service:billing", "--by", "Ann <ann@example.com>",
                 "--repo", str(repo)]) == 0  # fmt: skip
    report, _ = _cached(repo)
    assert report == _cold(repo)


# --- every file a check opens is one of its recorded inputs ------------------------------------------------
@pytest.mark.parametrize("where", ["generated", "handwritten"])
def test_every_file_a_check_opens_is_among_its_recorded_inputs(
    where: str, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo if where == "generated" else HANDWRITTEN
    opened: list[str] = []
    real_read = RepoFiles.read_bytes

    def noting_read(self: RepoFiles, relative: str, **kwargs: int) -> bytes:
        opened.append(relative)
        return real_read(self, relative, **kwargs)

    monkeypatch.setattr(RepoFiles, "read_bytes", noting_read)
    real_lint = RepoView._squawk_locked

    def linting(self: RepoView, relatives: list[str]) -> object:
        """squawk's first run lints every service's migrations at once: a batch, not this pair's reads (squawk's
        verdict on a file is a function of that file, which the pair records)."""
        start = len(opened)
        try:
            return real_lint(self, relatives)
        finally:
            del opened[start:]

    monkeypatch.setattr(RepoView, "_squawk_locked", linting)
    missing: dict[str, list[str]] = {}
    for check in catalogue().values():
        for subject in RepoView(root).subjects(check.kind):
            view = RepoView(root)  # fresh: nothing remembered from another pair
            view.subjects(check.kind)  # listing the subjects is the plan's work, done before any check runs
            opened.clear()
            with view.recording() as reads:
                list(check.run(view, subject))
            unrecorded = set(opened) - view.paths_read(reads)
            if unrecorded:
                missing[f"{check.id} {subject.label}"] = sorted(unrecorded)[:3]
    assert missing == {}, json.dumps(missing, indent=1)


# --- untrusted entries ---------------------------------------------------------------------------------------
def _entries(root: Path, prefix: str = "s-") -> Iterator[Path]:
    yield from sorted(p for p in (root / layout.VERIFY_RESULTS_DIR).iterdir() if p.name.startswith(prefix))


def _entry_of(root: Path, label: str) -> Path:
    for path in _entries(root):
        if json.loads(path.read_bytes().rpartition(b"\n")[0])["subject"] == label:
            return path
    raise AssertionError(f"no entry for {label}")


def _flip_a_failure(root: Path, label: str) -> Path:
    """Turn the subject's stored findings into passes, keeping the keyed hash as it was."""
    path = _entry_of(root, label)
    body, _, mac = path.read_bytes().rpartition(b"\n")
    document = json.loads(body)
    for pair in document["pairs"].values():
        for finding in pair["findings"]:
            finding[0] = "pass"
    path.write_bytes(json.dumps(document, separators=(",", ":")).encode() + b"\n" + mac)
    return path


@pytest.fixture
def failing(repo: Path) -> Path:
    """The repo with billing failing an item (its route takes no scope)."""
    EDITS["a scope check taken out"](repo)
    return repo


def test_a_tampered_entry_is_ignored_and_rewritten(failing: Path) -> None:
    cold, _ = _cached(failing)
    tampered = _flip_a_failure(failing, "service:billing")
    report, store = _cached(failing)
    assert report == cold
    assert {label for label, _check in store.decided} >= {"service:billing"}
    assert json.loads(tampered.read_bytes().rpartition(b"\n")[0])["pairs"]  # written again, signed


def test_an_entry_signed_with_another_key_is_ignored(failing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENVIRONMENT_VARIABLE, "someone else's key")
    cold, _ = _cached(failing)
    _flip_a_failure(failing, "service:billing")
    store = ResultStore.open(failing)
    assert store is not None
    path = _entry_of(failing, "service:billing")
    body = path.read_bytes().rpartition(b"\n")[0]
    path.write_bytes(body + b"\n" + store._mac(path.name, body))  # the forger's own, valid signature
    monkeypatch.setenv(KEY_ENVIRONMENT_VARIABLE, "the platform's key")
    report, store = _cached(failing)
    assert report == cold
    assert store.reused == 0


def test_a_copied_cache_serves_another_clone_with_the_shared_key(
    failing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENVIRONMENT_VARIABLE, "the platform's key")
    cold, _ = _cached(failing)
    clone = tmp_path / "clone"
    shutil.copytree(failing, clone, symlinks=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-machine"))
    report, store = _cached(clone)
    assert report.replace(str(clone), "") == cold.replace(str(failing), "")
    assert set(store.decided) == {("repo", "DEPLOY-04")}


def test_a_group_whose_content_is_not_its_name_is_ignored(repo: Path) -> None:
    cold, _ = _cached(repo)
    store = ResultStore.open(repo)
    assert store is not None
    groups = list(_entries(repo, "g-"))
    assert groups, "the SDK importers of the whole repo are a group"
    for path in groups:  # drop an input, and sign it properly: only the name still says what it was
        document = json.loads(path.read_bytes().rpartition(b"\n")[0])
        document["inputs"] = document["inputs"][1:]
        path.write_bytes(store._signed(path.name, document))
    report, store = _cached(repo)
    assert report == cold
    assert len(store.decided) > 1


def test_a_linked_results_folder_is_neither_read_nor_written(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / layout.VERIFY_CACHE_DIR).mkdir(parents=True, exist_ok=True)
    (repo / layout.VERIFY_RESULTS_DIR).symlink_to(outside, target_is_directory=True)
    _cached(repo)
    assert list(outside.iterdir()) == []
    report, store = _cached(repo)
    assert store.reused == 0
    assert report == _cold(repo)


def test_an_entry_that_is_a_link_is_not_followed(repo: Path, tmp_path: Path) -> None:
    _cached(repo)
    entry = _entry_of(repo, "service:orders")
    moved = tmp_path / "elsewhere"
    entry.rename(moved)
    entry.symlink_to(moved)
    _, store = _cached(repo)
    assert {label for label, _check in store.decided} >= {"service:orders"}
    assert not entry.is_symlink()  # replaced by a regular file, the target untouched
    assert moved.read_bytes()


def test_a_complete_run_removes_the_entries_of_subjects_that_are_gone(repo: Path) -> None:
    _cached(repo)
    orders = _entry_of(repo, "service:orders")
    shutil.rmtree(repo / "services/orders")
    _cached(repo)
    assert not orders.exists()


def test_a_partial_run_keeps_the_other_entries(repo: Path) -> None:
    _cached(repo)
    before = {path.name for path in _entries(repo)}
    store = ResultStore.open(repo)
    assert store is not None
    run_checks(repo, Selection(only=("SVC-DB",)), results=store)
    assert {path.name for path in _entries(repo)} == before


def test_what_reads_the_clock_is_never_kept(repo: Path) -> None:
    _cached(repo)
    store = ResultStore.open(repo)
    assert store is not None
    entry = store._load("repo")
    assert entry is not None and "DEPLOY-04" not in entry.pairs and "DEPLOY-01" in entry.pairs


def test_entries_hold_no_absolute_path_of_the_machine(repo: Path) -> None:
    _cached(repo)
    for path in _entries(repo):
        assert str(repo).encode() not in path.read_bytes()
    assert os.environ["XDG_CACHE_HOME"].encode() not in b"".join(p.read_bytes() for p in _entries(repo, "g-"))


def test_a_clone_with_the_cache_folder_restored_is_answered_from_the_report_cache(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As CI restores `.scaffold/cache` into a fresh checkout on another runner: with the shared key, an unchanged
    tree is answered by the stored report. The lock scaffold's commands leave beside the cache is not in a clone,
    and is no input of any verdict."""
    monkeypatch.setenv(KEY_ENVIRONMENT_VARIABLE, "the platform's key")
    (repo / layout.REPO_LOCK).parent.mkdir(parents=True, exist_ok=True)
    (repo / layout.REPO_LOCK).write_text("")
    assert main(["verify", str(repo), "--format", "json"]) in (0, 1)
    stored = capsys.readouterr().out
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone, ignore=shutil.ignore_patterns("lock"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-runner"))
    decided = count_decisions(monkeypatch)
    assert main(["verify", str(clone), "--format", "json"]) in (0, 1)
    assert capsys.readouterr().out == stored
    assert decided == []
