"""`scaffold demo` when a step fails: the platform stays where it was made and the output says where; what pnpm
printed reaches stderr without terminal escapes (issue 11, point 7)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from scaffold import demo, pnpm, terminal
from scaffold.errors import ScaffoldError


def test_a_failing_step_keeps_the_platform_and_says_where(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_pnpm(args: list[str], cwd: Path, *, capture: bool = False) -> subprocess.CompletedProcess[str]:
        raise ScaffoldError(f"`pnpm {' '.join(args)}` failed in {cwd} (exit 1):\nboom")

    monkeypatch.setattr(pnpm, "run", failing_pnpm)
    assert demo.run_demo(keep=False, install=True) == 1
    err = capsys.readouterr().err
    kept = [line for line in err.splitlines() if "the platform is kept in" in line]
    assert len(kept) == 1, err
    platform_dir = Path(kept[0].rsplit(" kept in ", 1)[1].removesuffix(" to look at"))
    try:
        assert (platform_dir / "services/billing/service.yaml").is_file()
        assert "`pnpm install` failed" in err and "boom" in err
    finally:
        import shutil

        shutil.rmtree(platform_dir.parent, ignore_errors=True)


@pytest.mark.parametrize(("status", "kept"), [(0, False), (1, True)])
def test_the_folder_goes_only_when_every_step_passed(
    status: int, kept: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made: list[Path] = []

    def steps(platform_dir: Path, *, install: bool) -> int:
        platform_dir.mkdir()
        made.append(platform_dir)
        return status

    monkeypatch.setattr(demo, "_steps", steps)
    assert demo.run_demo(keep=False, install=False) == status
    assert made[0].exists() is kept
    assert ("the platform is kept in" in capsys.readouterr().err) is kept
    if kept:
        import shutil

        shutil.rmtree(made[0].parent)


def test_pnpm_failures_carry_no_terminal_escapes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "pnpm"
    fake.write_text(
        "#!/bin/sh\n"
        'printf "\\033[31m FAIL \\033[39m test/a.test.ts \\033]8;;https://x\\007link\\033]8;;\\007\\n"\n'
        'printf "colour asked for: NO_COLOR=%s\\n" "$NO_COLOR" >&2\n'
        "exit 1\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(pnpm, "pnpm_executable", lambda: str(fake))
    with pytest.raises(ScaffoldError) as raised:
        pnpm.run(["-r", "test"], tmp_path)
    message = str(raised.value)
    assert "\x1b" not in message
    assert "FAIL  test/a.test.ts link" in message
    assert "NO_COLOR=1" in message


def test_strip_escapes_keeps_the_text() -> None:
    assert terminal.strip_escapes("\x1b[2m Duration \x1b[22m 16.0s\x1b[K") == " Duration  16.0s"
    assert terminal.strip_escapes("plain [2m text") == "plain [2m text"
    assert terminal.strip_escapes("a\x1b]0;title\x07b") == "ab"
