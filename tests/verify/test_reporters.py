"""Reporters render the same findings as text, JSON, SARIF, JUnit and Markdown."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from scaffold.verify.model import Check, CheckDoc, Finding, Kind, Status, Waiver
from scaffold.verify.reporters import finding_from_json, json_summary, render, summary


def _check(check_id: str, title: str, section: str) -> Check:
    return Check(check_id, title, "auto", Kind.REPO, section, CheckDoc("What.", "Why.", "Fix."), lambda r, s: [])


CHECKS = {
    "EVT-03": _check("EVT-03", "`EVENT_NAMES` regenerated", "EVT — event"),
    "DEPLOY-03": _check("DEPLOY-03", "At least one human reviewer approved", "DEPLOY — production deploy"),
    "DEPLOY-04": _check("DEPLOY-04", "No merge during a freeze window", "DEPLOY — production deploy"),
}
FINDINGS = [
    Finding(
        "DEPLOY-04",
        Status.FAIL,
        "inside the freeze window",
        file="release/freeze-windows.yaml",
        line=6,
        fix="deploy later",
        subject="repo",
    ),
    Finding(
        "EVT-03",
        Status.PASS,
        "up to date",
        file="packages/contracts/src/events/names.generated.ts",
        subject="event:billing.item_created",
    ),
    Finding(
        "EVT-03",
        Status.FAIL,
        "out of date",
        file="packages/contracts/src/events/names.generated.ts",
        line=4,
        fix="run gen",
        subject="event:billing.item_deleted",
    ),
    Finding(
        "DEPLOY-03",
        Status.NEEDS_HUMAN,
        "a reviewer approved",
        fix="scaffold attest DEPLOY-03 --by NAME",
        subject="repo",
    ),
    Finding("EVT-03", Status.NOT_APPLICABLE, "not registered", subject="event:x.y"),
]

# The parts of SARIF 2.1.0 that code-scanning consumers rely on.
SARIF_SCHEMA = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription", "help"],
                                            "properties": {
                                                "help": {"type": "object", "required": ["text"]},
                                                "shortDescription": {"type": "object", "required": ["text"]},
                                            },
                                        },
                                    }
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "message", "locations"],
                            "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"type": "object", "required": ["text"]},
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation"],
                                                "properties": {
                                                    "artifactLocation": {"type": "object", "required": ["uri"]},
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {"startLine": {"type": "integer", "minimum": 1}},
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_summary_counts_every_status_in_order() -> None:
    assert summary(FINDINGS) == "1 pass, 2 fail, 1 not applicable, 1 need a human, 0 need evidence, 0 stale, 0 waived"


def test_text_groups_by_section_in_catalogue_order_and_indents_fixes() -> None:
    text = render("text", FINDINGS, checks=CHECKS)
    lines = text.splitlines()
    assert lines[0] == "EVT — event"
    assert lines.index("DEPLOY — production deploy") > lines.index("EVT — event")
    failing = next(line for line in lines if "billing.item_deleted" in line)
    assert failing.split()[:4] == [
        "FAIL",
        "EVT-03",
        "event:billing.item_deleted",
        "packages/contracts/src/events/names.generated.ts:4",
    ]
    assert lines[lines.index(failing) + 1] == "      fix: run gen"
    assert lines[-1] == summary(FINDINGS)
    assert "\033[" not in text


def test_text_colours_only_when_asked() -> None:
    assert "\033[1;31mFAIL" in render("text", FINDINGS, checks=CHECKS, color=True)


def test_json_lists_every_finding_with_its_title() -> None:
    document = json.loads(render("json", FINDINGS, checks=CHECKS))
    assert document["schema_version"] == 1
    items = document["findings"]
    assert len(items) == len(FINDINGS)
    assert set(items[0]) == {"id", "status", "title", "subject", "file", "line", "message", "fix"}
    assert items[0]["title"] == "No merge during a freeze window" and items[0]["status"] == "fail"


def test_json_is_laid_out_as_json_dumps_with_indent_2() -> None:
    awkward = Finding(
        "NOPE-01",  # not in the catalogue: title null
        Status.NEEDS_HUMAN,
        'quote " backslash \\ newline \n tab \t control \x01 — “unicode” 😀 \u2028',
        file=None,
        line=0,
        fix=None,
        subject="service:x",
    )
    findings = [*FINDINGS, awkward]
    expected = [
        {
            "id": f.check_id,
            "status": f.status.value,
            "title": CHECKS[f.check_id].title if f.check_id in CHECKS else None,
            "subject": f.subject,
            "file": f.file,
            "line": f.line,
            "message": f.message,
            "fix": f.fix,
        }
        for f in findings
    ]
    document = {"schema_version": 1, "summary": json_summary(findings), "findings": expected}
    assert render("json", findings, checks=CHECKS) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    empty = {"schema_version": 1, "summary": json_summary([]), "findings": []}
    assert render("json", [], checks=CHECKS) == json.dumps(empty, indent=2) + "\n"


def test_json_summary_counts_items_under_their_worst_status() -> None:
    summary_counts = json.loads(render("json", MIXED, checks=CHECKS))["summary"]
    assert summary_counts == {"pass": 0, "fail": 0, "not_applicable": 0, "needs_human": 1, "needs_evidence": 0,
                              "stale": 0, "waived": 1, "items": 2, "findings": 3}  # fmt: skip


def test_json_report_fits_its_published_schema() -> None:
    schema = json.loads((Path(__file__).parents[2] / "docs/verify-report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for findings in (FINDINGS, MIXED, []):
        jsonschema.validate(json.loads(render("json", findings, checks=CHECKS)), schema)


def test_json_findings_read_back_to_the_same_findings() -> None:
    for findings in (FINDINGS, MIXED):
        document = json.loads(render("json", findings, checks=CHECKS))
        assert [finding_from_json(item) for item in document["findings"]] == list(findings)


def test_sarif_is_valid_and_reports_only_fails() -> None:
    document = json.loads(render("sarif", FINDINGS, checks=CHECKS))
    jsonschema.validate(document, SARIF_SCHEMA)
    run = document["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == list(CHECKS)
    assert [r["ruleId"] for r in run["results"]] == ["DEPLOY-04", "EVT-03"]
    location = run["results"][1]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "packages/contracts/src/events/names.generated.ts"
    assert location["region"]["startLine"] == 4
    assert run["results"][1]["ruleIndex"] == 0


def test_junit_has_one_testcase_per_item_and_subject() -> None:
    root = ET.fromstring(render("junit", FINDINGS, checks=CHECKS))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {
        "DEPLOY-04 repo",
        "EVT-03 event:billing.item_created",
        "EVT-03 event:billing.item_deleted",
        "DEPLOY-03 repo",
        "EVT-03 event:x.y",
    }
    assert cases["DEPLOY-04 repo"].find("failure") is not None
    skipped = cases["DEPLOY-03 repo"].find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("needs_human:")
    assert len(list(cases["EVT-03 event:billing.item_created"])) == 0
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "2", "2")


def test_markdown_has_a_summary_table_failures_and_a_todo_list() -> None:
    text = render("markdown", FINDINGS, checks=CHECKS)
    assert "| fail | 2 |" in text
    assert "### Failing" in text and "**DEPLOY-04** repo `release/freeze-windows.yaml:6`" in text
    assert "- [ ] **DEPLOY-03** repo (sign-off)" in text


# --- waived findings, and one line per item ------------------------------------------------------------------
WAIVER = Waiver(owner="Dana Owner", ticket="OPS-12", expires="2027-01-31", reason="hotfix for the outage")
WAIVED = Finding(
    "DEPLOY-04",
    Status.WAIVED,
    "waived by Dana Owner until 2027-01-31 (ticket OPS-12): hotfix for the outage — still failing: inside the window",
    file="release/freeze-windows.yaml",
    line=6,
    subject="repo",
    waiver=WAIVER,
)
MIXED = [  # one item (DEPLOY-03, repo) with an automatic pass and an open human part, and a waived item
    Finding("DEPLOY-03", Status.PASS, "the automatic part passes", subject="repo"),
    Finding("DEPLOY-03", Status.NEEDS_HUMAN, "a reviewer approved", fix="scaffold attest DEPLOY-03", subject="repo"),
    WAIVED,
]


def test_summary_counts_each_item_once_under_its_worst_status() -> None:
    assert summary(MIXED) == "0 pass, 0 fail, 0 not applicable, 1 need a human, 0 need evidence, 0 stale, 1 waived"


def test_text_shows_one_line_per_item_and_the_waiver() -> None:
    lines = render("text", MIXED, checks=CHECKS).splitlines()
    heads = [line for line in lines if line.startswith("  ") and not line.startswith("      ")]
    assert [line.split()[:3] for line in heads] == [["HUMAN", "DEPLOY-03", "repo"], ["WAIVED", "DEPLOY-04", "repo"]]
    assert "      pass: the automatic part passes" in lines
    assert "      waiver: owner Dana Owner, ticket OPS-12, expires 2027-01-31" in lines


def test_json_carries_the_waiver_and_keeps_json_dumps_layout() -> None:
    text = render("json", [WAIVED], checks=CHECKS)
    document = json.loads(text)
    (item,) = document["findings"]
    assert item["status"] == "waived"
    assert item["waiver"] == {"owner": "Dana Owner", "ticket": "OPS-12", "expires": "2027-01-31",
                              "reason": "hotfix for the outage"}  # fmt: skip
    assert text == json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_sarif_reports_a_waived_finding_as_an_accepted_suppression() -> None:
    document = json.loads(render("sarif", [WAIVED], checks=CHECKS))
    jsonschema.validate(document, SARIF_SCHEMA)
    (result,) = document["runs"][0]["results"]
    (suppression,) = result["suppressions"]
    assert (suppression["kind"], suppression["status"]) == ("external", "accepted")
    assert suppression["properties"]["owner"] == "Dana Owner" and suppression["properties"]["ticket"] == "OPS-12"


def test_junit_skips_a_waived_item_with_its_waiver_as_properties() -> None:
    root = ET.fromstring(render("junit", [WAIVED], checks=CHECKS))
    (case,) = root.iter("testcase")
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("waived: waived by Dana Owner")
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties == {"waiver.owner": "Dana Owner", "waiver.ticket": "OPS-12", "waiver.expires": "2027-01-31",
                          "waiver.reason": "hotfix for the outage"}  # fmt: skip
    assert root.get("failures") == "0"


def test_markdown_lists_waivers_with_owner_ticket_and_expiry() -> None:
    text = render("markdown", MIXED, checks=CHECKS)
    assert "| waived | 1 |" in text and "### Waived" in text
    assert "| **DEPLOY-04** repo | Dana Owner | OPS-12 | 2027-01-31 | hotfix for the outage |" in text
