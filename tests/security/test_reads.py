"""Reads of a hostile repo (issue 8, "Reads outside the repo" and "Hangs"): a committed symlink, FIFO, loop or
oversized file is never opened, is reported by path, and no report carries a byte from outside the repo."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from scaffold.repofs import read as repofs_read
from scaffold.repofs.read import RefusedRead, RepoFiles
from tests.security.conftest import run_bounded, run_cli

SECRET = "SECRET_TOKEN=hunter2-do-not-leak"


def _secret_outside(platform: Path) -> Path:
    secret = platform.parent / "outside" / ".env"
    secret.write_text(SECRET + "\n")
    return secret


def _replace_with_symlink(path: Path, target: Path | str) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to(target)


def _fails(findings: list[dict[str, object]], file: str) -> list[dict[str, object]]:
    return [f for f in findings if f["status"] == "fail" and f["file"] == file]


@pytest.mark.parametrize("format_", ["text", "json", "sarif", "junit"])
def test_a_manifest_symlinked_to_a_secret_outside_is_reported_and_never_leaked(platform: Path, format_: str) -> None:
    _replace_with_symlink(platform / "release/freeze-windows.yaml", _secret_outside(platform))
    result = run_cli("verify", str(platform), "--no-cache", "--format", format_)
    assert result.code == 1
    assert "hunter2" not in result.out + result.err
    assert "release/freeze-windows.yaml" in result.out
    assert repofs_read.OUTSIDE in result.out


def test_the_refused_manifest_is_a_fail_under_the_item_that_reads_it(platform: Path) -> None:
    _replace_with_symlink(platform / "release/freeze-windows.yaml", "../../outside/.env")
    _secret_outside(platform)
    result = run_cli("verify", str(platform), "--no-cache", "--format", "json")
    failing = _fails(json.loads(result.out)["findings"], "release/freeze-windows.yaml")
    assert {(f["id"], f["message"]) for f in failing} >= {("DEPLOY-04", repofs_read.OUTSIDE)}


def test_a_service_folder_symlinked_out_of_the_repo_is_reported_not_skipped(platform: Path) -> None:
    elsewhere = platform.parent / "outside" / "other"
    os.rename(platform / "services/billing", elsewhere)
    (elsewhere / "service.yaml").write_text((elsewhere / "service.yaml").read_text() + f"# {SECRET}\n")
    (platform / "services/billing").symlink_to(elsewhere)
    result = run_cli("verify", str(platform), "--no-cache", "--format", "json")
    assert result.code == 1
    assert "hunter2" not in result.out
    failing = _fails(json.loads(result.out)["findings"], "services/billing")
    assert [(f["id"], f["subject"], f["message"]) for f in failing] == [
        ("SVC-CODE-01", "service:billing", repofs_read.OUTSIDE)
    ]


def test_a_generator_refuses_a_manifest_symlinked_out_of_the_repo(platform: Path) -> None:
    _replace_with_symlink(platform / "services/billing/service.yaml", _secret_outside(platform))
    before = sorted(p.name for p in platform.rglob("*"))
    result = run_cli("new", "endpoint", "things", "--service", "billing", "--repo", str(platform), "--defaults",
                     "--no-verify")  # fmt: skip
    assert result.code == 2
    assert result.err.count("\n") == 1 and "internal error" not in result.err
    assert "services/billing/service.yaml" in result.err and repofs_read.OUTSIDE in result.err
    assert "hunter2" not in result.out + result.err
    assert sorted(p.name for p in platform.rglob("*")) == before


def test_a_symlink_to_dev_zero_is_never_read(platform: Path) -> None:
    _replace_with_symlink(platform / "services/billing/openapi.yaml", "/dev/zero")
    _replace_with_symlink(platform / "catalog/services.yaml", "/dev/zero")
    result = run_bounded("verify", str(platform), "--no-cache", "--format", "json")
    assert result.code == 1, result.err
    findings = json.loads(result.out)["findings"]
    # the checks that need the file see it missing, and the refusal says why
    assert repofs_read.OUTSIDE in {f["message"] for f in _fails(findings, "services/billing/openapi.yaml")}
    assert repofs_read.OUTSIDE in {f["message"] for f in _fails(findings, "catalog/services.yaml")}
    generated = run_bounded("new", "service", "s2", "--repo", str(platform), "--defaults", "--dry-run", "--no-verify")
    assert generated.code == 2 and "catalog/services.yaml" in generated.err


def test_fifos_in_a_service_folder_and_as_a_manifest_do_not_block_verify(platform: Path) -> None:
    os.mkfifo(platform / "services/billing/src/pipe.ts")
    (platform / "release/freeze-windows.yaml").unlink()
    os.mkfifo(platform / "release/freeze-windows.yaml")
    result = run_bounded("verify", str(platform), "--no-cache", "--format", "json", timeout=120)
    assert result.code == 1, result.err
    findings = json.loads(result.out)["findings"]
    fifo = repofs_read.NOT_REGULAR.format(kind="a FIFO")
    assert [(f["id"], f["subject"], f["message"]) for f in _fails(findings, "services/billing/src/pipe.ts")] == [
        ("SVC-CODE-01", "service:billing", fifo)
    ]
    assert fifo in {f["message"] for f in _fails(findings, "release/freeze-windows.yaml")}


def test_a_fifo_manifest_does_not_block_a_generator(platform: Path) -> None:
    (platform / "catalog/services.yaml").unlink()
    os.mkfifo(platform / "catalog/services.yaml")
    result = run_bounded("new", "service", "s2", "--repo", str(platform), "--defaults", "--dry-run", "--no-verify")
    assert result.code == 2
    assert result.err.strip() == "scaffold: error: catalog/services.yaml: not a regular file (a FIFO); not read"


def test_symlink_loops_are_reported(platform: Path) -> None:
    (platform / "services/billing/src/a.ts").symlink_to("b.ts")
    (platform / "services/billing/src/b.ts").symlink_to("a.ts")
    (platform / "docs/self.md").symlink_to("self.md")
    result = run_bounded("verify", str(platform), "--no-cache", "--format", "json")
    findings = json.loads(result.out)["findings"]
    loop = repofs_read.LOOP
    assert [f["message"] for f in _fails(findings, "services/billing/src/a.ts")] == [loop]
    assert [f["message"] for f in _fails(findings, "services/billing/src/b.ts")] == [loop]
    assert [(f["id"], f["message"]) for f in _fails(findings, "docs/self.md")] == [("DEPLOY-02", loop)]


def test_an_oversized_file_a_check_reads_is_reported_under_that_check(platform: Path) -> None:
    freeze = platform / "release/freeze-windows.yaml"
    freeze.write_bytes(freeze.read_bytes() + b"#" * (repofs_read.MAX_FILE_BYTES + 1) + b"\n")
    result = run_bounded("verify", str(platform), "--no-cache", "--format", "json", "--only", "DEPLOY-04")
    findings = json.loads(result.out)["findings"]
    assert [(f["id"], f["message"]) for f in _fails(findings, "release/freeze-windows.yaml")][-1] == (
        "DEPLOY-04",
        repofs_read.TOO_LARGE,
    )


def test_symlinks_that_stay_inside_the_repo_are_read_as_before(platform: Path) -> None:
    baseline = run_cli("verify", str(platform), "--no-cache", "--format", "json")
    moved = platform / "release/calendar.yaml"
    os.rename(platform / "release/freeze-windows.yaml", moved)
    (platform / "release/freeze-windows.yaml").symlink_to("calendar.yaml")
    result = run_cli("verify", str(platform), "--no-cache", "--format", "json")
    assert _fails(json.loads(result.out)["findings"], "release/freeze-windows.yaml") == []
    assert result.code == baseline.code


# --- repofs_read on its own ---------------------------------------------------------------------------------------


def test_read_bytes_refuses_each_kind_of_entry(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "inside").mkdir(parents=True)
    (root / "inside/file.txt").write_text("fine")
    (root / "link.txt").symlink_to("inside/file.txt")
    (tmp_path / "secret.txt").write_text(SECRET)
    (root / "out.txt").symlink_to(tmp_path / "secret.txt")
    (root / "outdir").symlink_to(tmp_path)
    (root / "loop").symlink_to("loop")
    os.mkfifo(root / "fifo")
    (root / "big.txt").write_bytes(b"x" * 11)
    files = RepoFiles(root)
    assert files.read_bytes("inside/file.txt") == b"fine"
    assert files.read_bytes("link.txt") == b"fine"
    expected = {
        "out.txt": repofs_read.OUTSIDE,
        "outdir/secret.txt": repofs_read.OUTSIDE,
        "loop": repofs_read.LOOP,
        "fifo": repofs_read.NOT_REGULAR.format(kind="a FIFO"),
        "inside": repofs_read.NOT_REGULAR.format(kind="a folder"),
        "../secret.txt": repofs_read.OUTSIDE,
    }
    for relative, reason in expected.items():
        with pytest.raises(RefusedRead) as refused:
            files.read_bytes(relative)
        assert refused.value.reason == reason
        assert relative.startswith(refused.value.path)  # the entry at fault: the file, or the folder on its way
        assert "hunter2" not in str(refused.value)
    with pytest.raises(RefusedRead, match="larger than"):
        files.read_bytes("big.txt", limit=10)
    with pytest.raises(FileNotFoundError):
        files.read_bytes("inside/missing.txt")


def test_read_bytes_of_a_fifo_returns_without_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            repofs_read.read_bytes(tmp_path, "fifo")
        except BaseException as error:  # the test wants whatever it raised
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(60)  # a blocking open never returns: the assertion below then fails instead of the suite hanging
    assert not reader.is_alive(), "opening a FIFO blocked"
    assert isinstance(outcome[0], RefusedRead)
