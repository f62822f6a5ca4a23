"""The warm path of `scaffold verify` never answers with a stale or planted report: the key is the files' content,
scaffold's code and the options; an entry holds only until the next time boundary (a freeze window with a time of
day); an entry not signed with this user's secret is ignored (issue 8, "Stale passes from the cache")."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from scaffold.cli import main
from tests.decisions import count_decisions

ROUTES = "services/billing/src/routes/items.ts"
SCOPE_CALL = 'requireScope("billing:read"), '


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cache-truth") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def platform(pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine, root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # this user's secret, apart from ~/.cache
    monkeypatch.delenv("SCAFFOLD_NOW", raising=False)
    return root


@pytest.fixture
def decided(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per full (cold) run of the checks; a warm run adds none."""
    return count_decisions(monkeypatch)


def _verify(platform: Path, *only: str) -> int:
    return main(["verify", str(platform), "--format", "json", "--only", ",".join(only or ("SVC-CODE-04",))])


def test_a_same_size_same_mtime_edit_gives_the_new_verdict(
    platform: Path, decided: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    routes = platform / ROUTES
    assert _verify(platform) == 0
    assert _verify(platform) == 0 and len(decided) == 1  # warm: the cache is in use
    before = routes.stat()
    text = routes.read_text()
    assert SCOPE_CALL in text
    routes.write_text(text.replace(SCOPE_CALL, " " * len(SCOPE_CALL), 1))  # the read route loses its scope check
    os.utime(routes, ns=(before.st_atime_ns, before.st_mtime_ns))  # `touch -r`: size and mtime as they were
    assert (routes.stat().st_size, routes.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _verify(platform) == 1
    assert len(decided) == 2
    assert '"status": "fail"' in capsys.readouterr().out


def test_changed_check_code_with_the_same_version_is_a_miss(
    platform: Path, decided: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold.verify import cache

    assert _verify(platform) == 0
    assert _verify(platform) == 0 and len(decided) == 1
    monkeypatch.setattr(cache, "code_digest", lambda: b"\x01" * 32, raising=False)  # scaffold's code changed
    assert _verify(platform) == 0
    assert len(decided) == 2


def test_the_code_digest_follows_scaffolds_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest is remembered under the stat of scaffold's own files, and recomputed when one changes."""
    from scaffold.verify import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    first = cache.code_digest()
    assert cache.code_digest() == first  # remembered
    copy = tmp_path / "deploy.py"
    copy.write_text("# not scaffold's deploy checks\n")
    real_files = cache._code_files
    monkeypatch.setattr(cache, "_code_files", lambda: [*real_files(), str(copy)])
    assert cache.code_digest() != first


_FREEZE = """windows:
  - start: "2030-06-01T14:00:00Z"
    end: "2030-06-01T18:00:00Z"
    reason: Launch afternoon
"""


def test_a_freeze_window_later_today_is_not_answered_from_the_mornings_run(
    platform: Path, decided: list[int], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (platform / "release/freeze-windows.yaml").write_text(_FREEZE)
    monkeypatch.setenv("SCAFFOLD_NOW", "2030-06-01T09:00:00Z")
    assert _verify(platform, "DEPLOY-04") == 0
    monkeypatch.setenv("SCAFFOLD_NOW", "2030-06-01T13:59:00Z")
    assert _verify(platform, "DEPLOY-04") == 0 and len(decided) == 1  # before the window: still the morning's
    capsys.readouterr()
    monkeypatch.setenv("SCAFFOLD_NOW", "2030-06-01T15:00:00Z")
    assert _verify(platform, "DEPLOY-04") == 1
    assert len(decided) == 2 and "inside the freeze window" in capsys.readouterr().out
    monkeypatch.setenv("SCAFFOLD_NOW", "2030-06-01T18:30:00Z")  # after it ends
    assert _verify(platform, "DEPLOY-04") == 0
    assert len(decided) == 3


def test_an_entry_from_before_the_run_moment_is_not_used(
    platform: Path, decided: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clock set back (SCAFFOLD_NOW) is outside the span the entry was decided for."""
    monkeypatch.setenv("SCAFFOLD_NOW", "2030-06-01T09:00:00Z")
    assert _verify(platform) == 0
    monkeypatch.setenv("SCAFFOLD_NOW", "2030-05-31T09:00:00Z")
    assert _verify(platform) == 0
    assert len(decided) == 2


def test_a_tampered_entry_is_ignored(
    platform: Path, decided: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    routes = platform / ROUTES
    routes.write_text(routes.read_text().replace(SCOPE_CALL, "", 1))
    assert _verify(platform) == 1
    true_report = capsys.readouterr().out
    report = platform / ".scaffold/cache/verify.report"
    status, _, body = report.read_text().partition("\n")
    assert status == "1"
    report.write_text("0\n" + body.replace('"fail"', '"pass"'))  # a hand edit that makes the run pass
    assert _verify(platform) == 1
    assert capsys.readouterr().out == true_report and len(decided) == 2


def test_an_entry_planted_in_the_repo_is_ignored(
    platform: Path, decided: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull request that commits .scaffold/cache/ with a passing report computed for its own tree (the key is
    computable by anyone): without this user's secret it does not verify."""
    routes = platform / ROUTES
    routes.write_text(routes.read_text().replace(SCOPE_CALL, "", 1))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "attacker-cache"))  # the attacker's own machine
    assert _verify(platform) == 1
    folder = platform / ".scaffold/cache"
    report = folder / "verify.report"
    _, _, body = report.read_text().partition("\n")
    report.write_text("0\n" + body.replace('"fail"', '"pass"'))
    key = folder / "verify.key"
    signed, _, _ = key.read_bytes().rpartition(b"\n")
    from scaffold.verify import cache

    key.write_bytes(signed + b"\n" + cache._mac(cache._secret(create=False) or b"", signed, report.read_bytes()))
    assert _verify(platform) == 0 and len(decided) == 1  # the attacker's own run trusts the planted entry...
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "ci-cache"))  # ...the CI runner, with its own secret, not
    assert _verify(platform) == 1
    assert len(decided) == 2



@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_new_commit_is_a_miss_though_no_listed_file_changed(platform: Path, decided: list[int]) -> None:
    """.git is not listed, but sign-offs are checked against the history: the commit HEAD names is in the key."""
    import subprocess

    def git(*argv: str) -> None:
        identity = ["-c", "user.name=Dana", "-c", "user.email=dana@example.com"]
        subprocess.run(["git", *identity, *argv], cwd=platform, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "first")
    assert _verify(platform) == 0
    assert _verify(platform) == 0 and len(decided) == 1
    git("commit", "-q", "--allow-empty", "-m", "second")
    assert _verify(platform) == 0
    assert len(decided) == 2
    git("pack-refs", "--all")  # the same commit, now named in packed-refs: still a hit
    assert _verify(platform) == 0 and len(decided) == 2


def test_hashing_the_tree_opens_no_fifo_or_device_and_reads_no_link_target(platform: Path, tmp_path: Path) -> None:
    """The key is computed before any check runs: a FIFO, a link to /dev/zero or to a file outside the repo must
    neither block nor be read. They are refused entries (the report names them and why): the key holds the path and
    the reason, so an outside change is not seen (nothing of it reaches a report) and a link made regular is."""
    import threading

    from scaffold.verify import cache
    from scaffold.verify.listing import scan

    folder = platform / "services/billing"
    os.mkfifo(folder / "pipe")
    (folder / "zero").symlink_to("/dev/zero")
    outside = tmp_path / "outside.env"
    outside.write_text("SECRET=1\n")
    (folder / "env").symlink_to(outside)
    keys: list[str] = []
    worker = threading.Thread(target=lambda: keys.append(cache.fingerprint(platform, scan(platform), [])), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert keys, "hashing the tree blocked"
    outside.write_text("SECRET=2\n")
    assert cache.fingerprint(platform, scan(platform), []) == keys[0]
    (folder / "env").unlink()
    (folder / "env").write_text("SECRET=3\n")
    assert cache.fingerprint(platform, scan(platform), []) != keys[0]
