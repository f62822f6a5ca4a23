"""No scaffold write follows a symlink (issue 8, "Writes through symlinks"): a link committed into the repo — at a
temp-file name, a target, a folder on the way, a service folder, the attestations file or a verify cache file —
never lets scaffold write outside the repo. A generator refuses (one line, exit 2, nothing written); the verify
cache skips storing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from scaffold.cli import main
from tests.security.writes_helpers import copy_platform, make_platform, snapshot

SECRET = b"# the user's own file, outside the repo\nexport PATH=/usr/bin\n"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_platform(tmp_path_factory.mktemp("symlink-writes") / "platform")


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    return copy_platform(pristine, tmp_path / "platform")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    target = tmp_path / "home" / ".bashrc"
    target.parent.mkdir()
    target.write_bytes(SECRET)
    return target


def new_service(repo: Path, name: str = "s2") -> int:
    return main(["new", "service", name, "--repo", str(repo), "--defaults", "--no-verify"])


def test_a_link_at_the_old_fixed_temp_name_is_never_written_through(repo: Path, outside: Path) -> None:
    (repo / "catalog" / ".services.yaml.scaffold-tmp").symlink_to(outside)
    assert new_service(repo) == 0
    assert outside.read_bytes() == SECRET
    assert "name: s2" in (repo / "catalog" / "services.yaml").read_text()
    assert not (repo / "catalog" / "services.yaml").is_symlink()


def test_a_symlinked_target_file_is_refused_and_nothing_is_written(
    repo: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside.write_bytes((repo / "catalog" / "services.yaml").read_bytes())
    planted = outside.read_bytes()
    (repo / "catalog" / "services.yaml").unlink()
    (repo / "catalog" / "services.yaml").symlink_to(outside)
    before = snapshot(repo)
    assert new_service(repo) == 2
    assert outside.read_bytes() == planted
    assert snapshot(repo) == before
    error = capsys.readouterr().err.strip()
    # refused when the plan reads it (the link leaves the repo), before any write could follow it
    named = "catalog/services.yaml" in error and "symlink" in error.replace("symbolic link", "symlink")
    assert error.count("\n") == 0 and named


def test_a_symlinked_folder_on_the_way_is_refused_and_nothing_is_written(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere-catalog"
    shutil.move(repo / "catalog", elsewhere)
    (repo / "catalog").symlink_to(elsewhere, target_is_directory=True)
    outside_before = snapshot(elsewhere)
    before = snapshot(repo)
    assert new_service(repo) == 2
    assert snapshot(elsewhere) == outside_before
    assert snapshot(repo) == before
    assert "catalog: a symlink leading outside the repo" in capsys.readouterr().err  # refused when read


def test_a_service_folder_linked_to_another_tree_gets_no_endpoint(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other_tree = tmp_path / "other-checkout" / "billing"
    other_tree.parent.mkdir()
    shutil.move(repo / "services" / "billing", other_tree)
    (repo / "services" / "billing").symlink_to(other_tree, target_is_directory=True)
    outside_before = snapshot(other_tree)
    before = snapshot(repo)
    status = main(["new", "endpoint", "get-invoice", "--service", "billing", "--repo", str(repo), "--defaults",
                   "--no-verify"])
    assert status == 2
    assert snapshot(other_tree) == outside_before
    assert snapshot(repo) == before
    assert "services/billing: a symlink leading outside the repo" in capsys.readouterr().err  # refused when read


def test_a_symlinked_attestations_file_is_refused(
    repo: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".scaffold" / "attestations.yaml").symlink_to(outside)
    status = main(["attest", "DEPLOY-01", "--repo", str(repo), "--by", "Ana", "--note", "ok"])
    assert status == 2
    assert outside.read_bytes() == SECRET
    assert ".scaffold/attestations.yaml is a symbolic link" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["verify.report", "verify.key"])
def test_a_symlinked_verify_cache_file_is_never_written_through(repo: Path, outside: Path, name: str) -> None:
    cache = repo / ".scaffold" / "cache"
    cache.mkdir(exist_ok=True)
    (cache / name).unlink(missing_ok=True)
    (cache / name).symlink_to(outside)
    main(["verify", str(repo), "--summary"])
    assert outside.read_bytes() == SECRET


def test_a_symlinked_lock_file_is_refused(repo: Path, outside: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = repo / ".scaffold" / "lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(outside)
    before = snapshot(repo)
    assert new_service(repo) == 2
    assert outside.read_bytes() == SECRET
    assert snapshot(repo) == before
    assert ".scaffold/lock is a symbolic link" in capsys.readouterr().err


def test_a_link_swapped_in_for_a_folder_after_the_check_is_refused_by_the_kernel(repo: Path, tmp_path: Path) -> None:
    """The early check is friendly; the write itself goes through O_NOFOLLOW descriptors, so a folder replaced by a
    link after planning (a race) is refused rather than followed."""
    from scaffold.repofs.paths import UnsafePath
    from scaffold.repofs.write import write_atomic

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(repo / "docs")
    os.symlink(elsewhere, repo / "docs")
    with pytest.raises(UnsafePath):
        write_atomic(repo, "docs/services/x.md", b"x\n")
    assert list(elsewhere.iterdir()) == []
