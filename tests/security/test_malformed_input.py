"""Malformed manifests (issue 8, point 9): in every generator that reads one, one line on stderr and exit 2 — never
`internal error`, never a traceback; in verify, a `fail` finding naming the file, never a crash.

The cases are what a repo can hold by mistake or on purpose: nothing, the wrong shape, bytes that are not UTF-8 text,
a file too large to read, YAML that libyaml would read differently from a person (duplicate keys) or that explodes
(alias bombs, recursion, deep nesting), and the right shape with the wrong types inside.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from scaffold.repofs.read import MAX_FILE_BYTES
from tests.security.conftest import run_bounded, run_cli
from tests.security.test_yaml_bounds import ALIAS_BOMB


def _first_content_line(original: bytes) -> bytes:
    return next(line for line in original.splitlines() if line.strip() and not line.startswith(b"#"))


def _with_types_replaced(original: bytes, replace: Callable[[object], object]) -> bytes:
    data = yaml.safe_load(original)
    return yaml.safe_dump({key: replace(value) for key, value in data.items()}).encode()


CASES: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda _: b"",
    "comment only": lambda _: b"# nothing here yet\n",
    "null": lambda _: b"~\n",
    "a list instead of a map": lambda _: b"- a\n- b\n",
    "a scalar": lambda _: b"just some text\n",
    "invalid UTF-8": lambda _: b"name: \xff\xfe broken\n",
    "binary": lambda _: bytes(range(256)) * 4,
    "a NUL character": lambda original: original + b"\x00\n",
    "huge": lambda original: original + b"# " + b"x" * MAX_FILE_BYTES + b"\n",
    "a duplicate key": lambda original: original + b"\n" + _first_content_line(original) + b"\n",
    "an alias bomb": lambda _: ALIAS_BOMB.encode(),
    "a recursive alias": lambda _: b"&a [*a]\n",
    "deep nesting": lambda _: b"[" * 5000 + b"]" * 5000 + b"\n",
    "a syntax error": lambda _: b"a: [1, 2\nb: 'unterminated\n",
    "an unhashable key": lambda _: b"? [1, 2]\n: 3\n",
    "wrong types": lambda original: _with_types_replaced(original, lambda _: 42),
    "wrong item types": lambda original: _with_types_replaced(
        original, lambda value: [1, None, "x"] if isinstance(value, list) else {"x": [1]}
    ),
}

ENDPOINT = ("new", "endpoint", "things", "--service", "billing")
SERVICE = ("new", "service", "s2")
EVENT = ("new", "event", "billing.thing_done")
JOB = ("new", "job", "nightly")
INTEGRATION = ("new", "integration", "zeta")

# Which generators read which manifest (release/freeze-windows.yaml and integration.yaml: none, only verify). Every
# generator reads .scaffold/platform.yaml through the same `open_platform`: two of them stand for all five.
READERS: dict[str, tuple[tuple[str, ...], ...]] = {
    ".scaffold/platform.yaml": (SERVICE, INTEGRATION),
    "catalog/services.yaml": (SERVICE,),
    "identity/m2m-clients.yaml": (JOB,),
    "services/billing/service.yaml": (ENDPOINT, EVENT, JOB),
    "services/billing/.copier-answers.yml": (ENDPOINT, SERVICE),
}
# `new service` reads the other services' answers only for a `port:` to count past; answers files have no schema,
# so other keys of the wrong type are not its business (nothing is written from them).
NOT_READ_FOR_TYPES = {("services/billing/.copier-answers.yml", SERVICE)}

# What verify reads and must report (the answers files are only the generators' and copier's).
VERIFIED = (
    ".scaffold/platform.yaml",
    "catalog/services.yaml",
    "identity/m2m-clients.yaml",
    "release/freeze-windows.yaml",
    "services/billing/service.yaml",
    "integrations/acme/integration.yaml",
)

GENERATOR_RUNS = [
    pytest.param(path, case, argv, id=f"{path} {case} {' '.join(argv[:2])}")
    for path, readers in READERS.items()
    for case in CASES
    for argv in readers
    if not (case.startswith("wrong") and (path, argv) in NOT_READ_FOR_TYPES)
]


@pytest.fixture(scope="module")
def shared_platform(pristine_platform: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy for the module: every run here is a dry run or `verify --no-cache`, which write nothing, and
    `malformed` puts each manifest back, so the tests need not copy the tree each time."""
    root = tmp_path_factory.mktemp("malformed") / "platform"
    shutil.copytree(pristine_platform, root, symlinks=True)
    return root


@contextmanager
def malformed(root: Path, case: str, *paths: str) -> Iterator[None]:
    originals = {path: (root / path).read_bytes() for path in paths}
    try:
        for path, original in originals.items():
            (root / path).write_bytes(CASES[case](original))
        yield
    finally:
        for path, original in originals.items():
            (root / path).write_bytes(original)


def test_the_matrix_holds_at_least_sixteen_cases() -> None:
    assert len(CASES) >= 16


@pytest.mark.parametrize(("path", "case", "argv"), GENERATOR_RUNS)
def test_a_generator_gives_one_line_and_exit_2(
    shared_platform: Path, path: str, case: str, argv: tuple[str, ...]
) -> None:
    run = run_bounded if case == "an alias bomb" else run_cli
    with malformed(shared_platform, case, path):
        result = run(*argv, "--repo", str(shared_platform), "--defaults", "--dry-run", "--no-verify")
    assert result.code == 2, result.err
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("scaffold: error: ") and "internal error" not in result.err
    assert path.rsplit("/", 1)[-1] in result.err  # the line names the file at fault


@pytest.mark.parametrize("case", list(CASES))
def test_verify_reports_each_malformed_manifest(shared_platform: Path, case: str) -> None:
    with malformed(shared_platform, case, *VERIFIED):
        result = run_bounded("verify", str(shared_platform), "--no-cache", "--format", "json")
    assert result.code == 1, result.err
    assert result.err == ""
    findings = json.loads(result.out)["findings"]
    unreported = [path for path in VERIFIED if not any(f["file"] == path and f["status"] == "fail" for f in findings)]
    assert unreported == []
    assert not any("the check itself failed" in f["message"] for f in findings)


def test_a_byte_order_mark_is_read_as_yaml_allows(platform: Path) -> None:
    for path in (*VERIFIED, "services/billing/.copier-answers.yml"):
        manifest = platform / path
        manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    for argv in (SERVICE, EVENT, JOB, ENDPOINT):
        result = run_cli(*argv, "--repo", str(platform), "--defaults", "--dry-run", "--no-verify")
        assert result.code == 0, result.err
    findings = json.loads(run_cli("verify", str(platform), "--no-cache", "--format", "json").out)["findings"]
    assert [f for f in findings if f["file"] in VERIFIED and f["status"] == "fail"] == []
