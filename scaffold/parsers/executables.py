"""Where the command-line tools the parsers run are found. Imports nothing heavy: the verify cache's key names the
squawk binary too, and its warm path must stay cheap."""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path


def squawk_executable() -> str | None:
    """squawk-cli installs its binary beside the Python scaffold runs on; pipx and `uv tool` run scaffold by its full
    path without putting that folder on PATH, so look there before PATH."""
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        found = shutil.which("squawk", path=str(folder))
        if found is not None:
            return found
    return shutil.which("squawk")
