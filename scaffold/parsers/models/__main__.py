"""Regenerate the models: `python -m scaffold.parsers.models`."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from scaffold.parsers.models import SERVICE_MODEL, SERVICE_SCHEMA, codegen_command

# Generated outside the repo so no pyproject.toml nearby changes the formatting (the drift test does the same).
with tempfile.TemporaryDirectory() as folder:
    output = Path(folder) / SERVICE_MODEL.name
    subprocess.run(codegen_command(SERVICE_SCHEMA, output), check=True, cwd=folder)
    shutil.copyfile(output, SERVICE_MODEL)
