"""Regenerate the models: `python -m scaffold.parsers.models`."""

import subprocess

from scaffold.parsers.models import SERVICE_MODEL, SERVICE_SCHEMA, codegen_command

subprocess.run(codegen_command(SERVICE_SCHEMA, SERVICE_MODEL), check=True)
