"""Regenerate the models: `python -m scaffold.parsers.models`."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from scaffold.parsers.models import MODELS, codegen_command

# Generated outside the repo so no pyproject.toml nearby changes the formatting (the drift test does the same).
with tempfile.TemporaryDirectory() as folder:
    for model in MODELS:
        output = Path(folder) / model.output.name
        subprocess.run(codegen_command(model.schema, output, model), check=True, cwd=folder)
        shutil.copyfile(output, model.output)
