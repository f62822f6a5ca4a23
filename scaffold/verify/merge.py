"""`scaffold report merge`: the JSON reports of `scaffold verify --shard K/N` (K = 1..N) back into the report of one
unsharded run, in any format, with the same bytes.

Every (check, subject) pair was decided by exactly one shard (scope.py), each shard's findings are in the plan's
order, and every shard names the whole plan's subjects in order: sorting the findings by (the check's place in the
catalogue, the subject's place in the plan) — stable, so each pair's findings keep the order its check gave them —
is the single run's order. Reports that are not one complete set of shards of one run are refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from scaffold.errors import ScaffoldError
from scaffold.verify.model import Finding

_MAX_REPORT_BYTES = 1 << 30


def _read(path: Path) -> dict[str, object]:
    try:
        if path.stat().st_size > _MAX_REPORT_BYTES:
            raise ScaffoldError(f"{path}: larger than any shard report")
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ScaffoldError(f"{path}: not a JSON report ({error})") from None
    if not isinstance(document, dict) or document.get("schema_version") != 1:
        raise ScaffoldError(f"{path}: not a scaffold verify JSON report of schema version 1")
    if not isinstance(document.get("shard"), dict) or not isinstance(document.get("findings"), list):
        raise ScaffoldError(f"{path}: not written by `scaffold verify --shard K/N`")
    return document


def merge(paths: Sequence[Path]) -> tuple[list[Finding], bool]:
    """The findings of the single run the shard reports at `paths` were cut from, and whether it ran --strict."""
    findings, strict, _ = merge_with_owners(paths)
    return findings, strict


def merge_with_owners(paths: Sequence[Path]) -> tuple[list[Finding], bool, dict[str, str]]:
    """`merge`, and the subjects' owners the shards recorded (for the HTML report)."""
    from scaffold.checks import catalogue
    from scaffold.verify.reporters import finding_from_json
    from scaffold.verify.scope import catalogue_fingerprint

    if not paths:
        raise ScaffoldError("report merge: give the JSON reports of every shard")
    documents = [(path, _read(path)) for path in paths]
    first_path, first = documents[0]
    about = first["shard"]
    assert isinstance(about, dict)
    count = about.get("count")
    if about.get("scaffold") != catalogue_fingerprint():
        raise ScaffoldError(f"{first_path}: decided by another scaffold version or catalogue than this one")
    seen: dict[object, Path] = {}
    for path, document in documents:
        shard = document["shard"]
        assert isinstance(shard, dict)
        for key in ("count", "scaffold", "options", "subjects"):
            if shard.get(key) != about.get(key):
                raise ScaffoldError(f"{path} and {first_path} are shards of different runs (their {key} differ)")
        index = shard.get("index")
        if index in seen:
            raise ScaffoldError(f"{path} and {seen[index]} are both shard {index}/{count}")
        seen[index] = path
    if not isinstance(count, int) or set(seen) != set(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(seen)) if isinstance(count, int) else []
        raise ScaffoldError(f"report merge: shards {', '.join(f'{m}/{count}' for m in missing)} are missing")
    subjects = about.get("subjects")
    if not isinstance(subjects, list):
        raise ScaffoldError(f"{first_path}: its shard names no subjects")
    place = {label: index for index, label in enumerate(subjects)}
    order = {check_id: index for index, check_id in enumerate(catalogue())}
    keyed: list[tuple[int, int, Finding]] = []
    for path, document in documents:
        items = document["findings"]
        assert isinstance(items, list)
        for item in items:
            try:
                finding = finding_from_json(item if isinstance(item, dict) else {})
            except ValueError as error:
                raise ScaffoldError(f"{path}: a finding that is not one ({error})") from None
            if finding.check_id not in order or (finding.subject is not None and finding.subject not in place):
                raise ScaffoldError(f"{path}: {finding.check_id} [{finding.subject}] is not in the run's plan")
            subject_place = -1 if finding.subject is None else place[finding.subject]
            keyed.append((order[finding.check_id], subject_place, finding))
    keyed.sort(key=lambda entry: (entry[0], entry[1]))  # stable: files in shard order, each pair's own order kept
    options = about.get("options")
    owners: dict[str, str] = {}
    for _, document in documents:
        recorded = document["shard"].get("owners") if isinstance(document["shard"], dict) else None
        if isinstance(recorded, dict):
            owners.update({str(k): str(v) for k, v in recorded.items() if isinstance(v, str)})
    strict = isinstance(options, list) and "strict=True" in options
    return [finding for _, _, finding in keyed], strict, dict(sorted(owners.items()))
