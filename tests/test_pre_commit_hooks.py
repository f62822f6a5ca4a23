"""The pre-commit hook this repo provides (.pre-commit-hooks.yaml) runs a real scaffold command."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from scaffold.cli import build_parser


def test_scaffold_repo_provides_a_pre_commit_hook_running_verify() -> None:
    hooks = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    (hook,) = (hook for hook in hooks if hook["id"] == "scaffold-verify")
    argv = shlex.split(hook["entry"])
    assert argv[0] == "scaffold" and build_parser().parse_args(argv[1:]).command == "verify"
    assert hook["pass_filenames"] is False  # verify takes one path, not a list of changed files
