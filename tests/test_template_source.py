"""Which template source `scaffold init` records: what pip says scaffold was installed from comes first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold import template_source


class _Distribution:
    def __init__(self, direct_url: dict[str, object]) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        return json.dumps(self.direct_url) if name == "direct_url.json" else None


def test_a_pip_install_from_git_names_its_url_first(monkeypatch: pytest.MonkeyPatch) -> None:
    record = {"url": "https://git.example/scaffold.git", "vcs_info": {"vcs": "git", "requested_revision": "v0.1.0"}}
    monkeypatch.setattr(template_source.metadata, "distribution", lambda _name: _Distribution(record))
    assert template_source.installed_source_candidates()[0] == "https://git.example/scaffold.git"


def test_an_install_from_a_folder_that_is_no_git_checkout_is_not_a_candidate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    record = {"url": tmp_path.as_uri(), "dir_info": {}}
    monkeypatch.setattr(template_source.metadata, "distribution", lambda _name: _Distribution(record))
    assert str(tmp_path) not in template_source.installed_source_candidates()
