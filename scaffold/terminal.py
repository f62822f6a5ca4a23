"""The output conventions other command-line tools keep, in one place: colour only where it is wanted, and a reader
that goes away early (`scaffold checklist | head -1`) ends the run quietly."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from typing import TextIO

# What a shell reports for a process ended by SIGPIPE (128 + 13); Python ignores SIGPIPE, so it is returned instead.
CLOSED_PIPE_STATUS = 141


def wants_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when told not to: NO_COLOR set to anything (no-color.org) or a terminal
    that declares it cannot (TERM=dumb)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


# CSI sequences (colours, cursor moves: ESC [ ... final byte) and OSC sequences (titles, links: ESC ] ... BEL/ST).
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_escapes(text: str) -> str:
    """`text` without terminal escape sequences: what another program printed, passed on to a file or a log."""
    return _ESCAPES.sub("", text)


def silence_closed_stdout() -> None:
    """The reader of stdout has gone: send what is still buffered to /dev/null, so that neither a later flush nor the
    interpreter's own at exit raises BrokenPipeError again (the recipe of Python's `signal` documentation)."""
    with contextlib.suppress(OSError, ValueError):  # no real file descriptor (a captured stream in tests)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
