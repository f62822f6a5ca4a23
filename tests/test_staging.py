"""ChangeSet: the diff shows exactly what would change, and apply is all-or-nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scaffold.errors import ScaffoldError
from scaffold.staging import ChangeSet


def _tree(root: Path) -> dict[str, bytes]:
    """Every file with its bytes, but the repo lock's (empty, kept) file, which the first apply creates."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).as_posix() != ".scaffold/lock"
    }


def test_diff_lists_new_and_edited_files_and_skips_unchanged(tmp_path: Path) -> None:
    (tmp_path / "same.txt").write_text("same\n")
    (tmp_path / "edit.txt").write_text("one\ntwo\n")
    changes = ChangeSet(tmp_path)
    changes.write("same.txt", "same\n")
    changes.write("edit.txt", "one\nthree\n")
    changes.write("new/file.txt", "hello\n")
    diff = changes.diff()
    assert "--- /dev/null\n+++ b/new/file.txt" in diff
    assert "-two\n+three\n" in diff
    assert "same.txt" not in diff
    assert changes.summary() == "1 file(s) to create, 1 file(s) to edit"


def test_apply_writes_everything_and_a_second_plan_is_empty(tmp_path: Path) -> None:
    changes = ChangeSet(tmp_path)
    changes.write("a/b/c.txt", "c\n")
    changes.write("d.txt", "d\n")
    assert changes.apply() == ["a/b/c.txt", "d.txt"]
    again = ChangeSet(tmp_path)
    again.write("a/b/c.txt", "c\n")
    again.write("d.txt", "d\n")
    assert again.changes == []


def test_failure_midway_restores_the_tree_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "keep.txt").write_text("original\n")
    os.chmod(tmp_path / "keep.txt", 0o640)
    before = _tree(tmp_path)
    changes = ChangeSet(tmp_path)
    changes.write("keep.txt", "changed\n")
    changes.write("new/deep/one.txt", "1\n")
    changes.write("zz.txt", "2\n")

    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str], **fds: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "disk full")
        real_replace(src, dst, **fds)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ScaffoldError, match="disk full; nothing written"):
        changes.apply()
    assert _tree(tmp_path) == before
    assert not (tmp_path / "new").exists()
    assert (tmp_path / "keep.txt").stat().st_mode & 0o777 == 0o640


def test_ctrl_c_during_apply_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    (tmp_path / "keep.txt").write_text("original\n")
    before = _tree(tmp_path)
    changes = ChangeSet(tmp_path)
    changes.write("keep.txt", "changed\n")
    changes.write("other.txt", "x\n")
    real_replace = os.replace

    def replace_then_interrupt(src: str | os.PathLike[str], dst: str | os.PathLike[str], **fds: int) -> None:
        real_replace(src, dst, **fds)
        os.kill(os.getpid(), signal.SIGINT)  # arrives while the first file is already replaced

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        changes.apply()
    assert _tree(tmp_path) == before


def test_delete_removes_files_and_their_emptied_folders_and_shows_in_the_diff(tmp_path: Path) -> None:
    (tmp_path / "gone" / "deep").mkdir(parents=True)
    (tmp_path / "gone" / "deep" / "file.txt").write_text("bye\n")
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "old.txt").write_text("old\n")
    (tmp_path / "kept" / "other.txt").write_text("other\n")
    changes = ChangeSet(tmp_path)
    changes.delete("gone/deep/file.txt")
    changes.delete("kept/old.txt")
    changes.delete("never/was.txt")  # nothing to delete: no change
    assert changes.current("kept/old.txt") is None
    assert "--- a/kept/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n" in changes.diff()
    assert changes.summary() == "0 file(s) to create, 0 file(s) to edit, 2 file(s) to delete"
    assert changes.apply() == ["gone/deep/file.txt", "kept/old.txt"]
    assert not (tmp_path / "gone").exists()
    assert _tree(tmp_path) == {"kept/other.txt": b"other\n"}


def test_a_failed_apply_puts_deleted_files_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    before = _tree(tmp_path)
    changes = ChangeSet(tmp_path)
    changes.delete("a.txt")
    changes.write("b.txt", "changed\n")

    def failing_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str], **fds: int) -> None:
        raise OSError(28, "disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ScaffoldError, match="disk full; nothing written"):
        changes.apply()
    assert _tree(tmp_path) == before
