"""Output conventions: NO_COLOR and TERM=dumb turn colour off even on a terminal, and a reader that goes away early
ends the run quietly (exit 141, nothing on stderr) instead of an internal error."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from scaffold.cli import main
from scaffold.terminal import CLOSED_PIPE_STATUS, wants_color


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TERM": "xterm"}, True),
        ({"TERM": "xterm", "NO_COLOR": "1"}, False),
        ({"TERM": "xterm", "NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
        ({"TERM": "dumb"}, False),
    ],
)
def test_colour_only_on_a_terminal_that_wants_it(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: bool
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert wants_color(FakeTerminal()) is expected
    assert wants_color(io.StringIO()) is False


def spawn_verify(root: Path, **env: str) -> str:
    """`scaffold verify` in a pseudo-terminal: everything it printed, escape sequences included."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")}
    environment.update(env)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "scaffold.cli", "verify", "--no-cache", str(root)],
        env=environment,
        encoding="utf-8",
        timeout=120,
    )
    output = child.read()
    child.close()
    return output


@pytest.fixture(scope="module")
def small_platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("colour") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    return root


def test_verify_on_a_terminal_honours_no_color_and_dumb_terminals(small_platform: Path) -> None:
    assert "\x1b[" in spawn_verify(small_platform, TERM="xterm")  # the control: colour is on by default
    for env in ({"TERM": "xterm", "NO_COLOR": "1"}, {"TERM": "dumb"}):
        output = spawn_verify(small_platform, **env)
        assert "PASS" in output and "\x1b" not in output, env


def test_a_reader_that_went_away_ends_the_run_quietly() -> None:
    """`scaffold checklist | head -1`: the pipe's read end is closed before scaffold writes, so every write fails."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "scaffold.cli", "checklist"], stdout=write, stderr=subprocess.PIPE, check=False
        )
    finally:
        os.close(write)
    assert result.returncode in (0, CLOSED_PIPE_STATUS)
    assert result.stderr == b""


def test_a_closed_stdout_in_process_is_not_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["checklist"]) == CLOSED_PIPE_STATUS
    assert capsys.readouterr().err == ""
