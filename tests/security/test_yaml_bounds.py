"""YAML from a hostile repo (issue 8, point 3 and "Hangs"): one rule for the verifier and the generators — an alias
bomb is refused with bounded memory, a duplicate key is an error at its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.edits import yaml_lists
from scaffold.errors import ScaffoldError
from scaffold.parsers import manifests
from tests.security.conftest import run_bounded, run_cli

# ~340 bytes; fully expanded, 9**9 (387 million) strings.
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)


def test_an_alias_bomb_is_an_error_not_an_expansion() -> None:
    assert len(ALIAS_BOMB) < 400
    parsed = manifests.load_yaml(ALIAS_BOMB)
    assert parsed.data is None
    assert parsed.error is not None and "aliases expand to more than" in parsed.error
    with pytest.raises(manifests.YamlProblem, match="aliases expand"):
        manifests.load_data(ALIAS_BOMB)


def test_aliases_within_the_bound_and_merge_keys_still_load() -> None:
    text = "base: &base {owner: team, tier: 2}\nfirst:\n  <<: *base\n  tier: 1\nsecond: *base\nlist: [*base, *base]\n"
    parsed = manifests.load_yaml(text)
    assert parsed.ok
    assert parsed.data == {
        "base": {"owner": "team", "tier": 2},
        "first": {"owner": "team", "tier": 1},
        "second": {"owner": "team", "tier": 2},
        "list": [{"owner": "team", "tier": 2}, {"owner": "team", "tier": 2}],
    }
    assert parsed.line_of(("first", "tier")) == 4


@pytest.mark.parametrize(
    ("text", "first", "line", "key"),
    [
        ("name: a\nowner: b\nname: c\n", 1, 3, "name"),
        ("contracts:\n  openapi: a.yaml\n  events: []\n  openapi: b.yaml\n", 2, 4, "openapi"),
        ("services:\n  - name: a\n    status: ga\n    status: beta\n", 3, 4, "status"),
    ],
)
def test_a_duplicate_key_is_an_error_at_its_line(text: str, first: int, line: int, key: str) -> None:
    parsed = manifests.load_yaml(text)
    assert parsed.data is None
    assert parsed.error == f"duplicate key {key!r} (first at line {first})"
    assert parsed.error_line == line


def test_the_same_key_in_sibling_mappings_is_not_a_duplicate() -> None:
    assert manifests.load_yaml("a: {x: 1}\nb: {x: 2}\nc: [{x: 1}, {x: 2}]\n").ok


def test_recursive_aliases_and_deep_nesting_are_errors() -> None:
    assert not manifests.load_yaml("&a [*a]\n").ok
    assert not manifests.load_yaml("[" * 5000 + "]" * 5000).ok


def test_round_trip_edits_apply_the_same_rule() -> None:
    with pytest.raises(ScaffoldError, match=r"^catalog/services.yaml:3: not valid YAML \(duplicate key 'services'"):
        yaml_lists.load("services: []\nowner: x\nservices: []\n", "catalog/services.yaml")
    with pytest.raises(ScaffoldError, match="aliases expand"):
        yaml_lists.load(ALIAS_BOMB, "catalog/services.yaml")


def test_verify_reports_an_alias_bomb_in_bounded_memory(platform: Path) -> None:
    (platform / "services/billing/service.yaml").write_text(ALIAS_BOMB)
    (platform / "release/freeze-windows.yaml").write_text(ALIAS_BOMB)
    (platform / "services/billing/openapi.yaml").write_text(ALIAS_BOMB)
    result = run_bounded("verify", str(platform), "--no-cache", "--format", "json")  # 1 GB address space
    assert result.code == 1, result.err
    findings = json.loads(result.out)["findings"]
    for path in ("services/billing/service.yaml", "release/freeze-windows.yaml", "services/billing/openapi.yaml"):
        messages = [f["message"] for f in findings if f["file"] == path and f["status"] == "fail"]
        assert any("aliases expand to more than" in m for m in messages), (path, messages)


def test_verify_reports_a_duplicate_key_at_its_line(platform: Path) -> None:
    catalog = platform / "catalog/services.yaml"
    text = catalog.read_text()
    catalog.write_text(text + "services: []\n")
    line = text.count("\n") + 1
    result = run_cli("verify", str(platform), "--no-cache", "--format", "json")
    findings = json.loads(result.out)["findings"]
    failing = [f for f in findings if f["file"] == "catalog/services.yaml" and f["status"] == "fail"]
    assert failing and all(f["line"] == line for f in failing)
    assert any("duplicate key 'services'" in f["message"] for f in failing)


@pytest.mark.parametrize(
    ("path", "argv"),
    [
        ("catalog/services.yaml", ["new", "service", "s2"]),
        ("services/billing/service.yaml", ["new", "endpoint", "things", "--service", "billing"]),
        ("identity/m2m-clients.yaml", ["new", "job", "nightly"]),
        (".scaffold/platform.yaml", ["new", "event", "billing.thing_done"]),
    ],
)
def test_generators_refuse_an_alias_bomb_and_a_duplicate_key(platform: Path, path: str, argv: list[str]) -> None:
    manifest = platform / path
    original = manifest.read_text()
    manifest.write_text(ALIAS_BOMB)
    bombed = run_bounded(*argv, "--repo", str(platform), "--defaults", "--no-verify")
    assert bombed.code == 2, bombed.err
    assert bombed.err.count("\n") == 1 and "aliases expand to more than" in bombed.err and path in bombed.err
    first_key = next(line for line in original.splitlines() if line and not line.startswith("#"))
    manifest.write_text(original + first_key + "\n")
    duplicated = run_cli(*argv, "--repo", str(platform), "--defaults", "--no-verify")
    assert duplicated.code == 2
    assert duplicated.err.count("\n") == 1 and "duplicate key" in duplicated.err
    assert f"{path}:{original.count(chr(10)) + 1}:" in duplicated.err
