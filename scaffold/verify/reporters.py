"""Reporters: the same findings as text, JSON, SARIF 2.1.0, JUnit XML, a Markdown PR comment or an HTML page.

Each reporter is a pure function from findings (and the catalogue, for titles and sections) to a string; the
CLI picks one with `render(format, findings, ...)` and writes it. Only `text` colours, and only when asked to
(the caller passes `color=scaffold.terminal.wants_color(stream)`).

A check may return several findings for one subject (a pass for its automatic part and a needs_human for the rest,
or one fail per offending line). The text report and the summary count show one line per item — ID and subject —
under its worst status (`item_status`), with the item's other findings beneath it; JSON and SARIF keep every
finding. A `waived` finding carries its waiver (owner, ticket, expiry, reason) in every format.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from scaffold import __version__
from scaffold.verify.model import Check, Finding, Status, Waiver

FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_SUMMARY_ORDER = (
    (Status.PASS, "pass"),
    (Status.FAIL, "fail"),
    (Status.NOT_APPLICABLE, "not applicable"),
    (Status.NEEDS_HUMAN, "need a human"),
    (Status.NEEDS_EVIDENCE, "need evidence"),
    (Status.STALE, "stale"),
    (Status.WAIVED, "waived"),
)
_LABELS = {
    Status.PASS: "PASS",
    Status.FAIL: "FAIL",
    Status.NOT_APPLICABLE: "N/A",
    Status.NEEDS_HUMAN: "HUMAN",
    Status.NEEDS_EVIDENCE: "EVIDENCE",
    Status.STALE: "STALE",
    Status.WAIVED: "WAIVED",
}
_COLOURS = {
    Status.PASS: "32",
    Status.FAIL: "1;31",
    Status.NOT_APPLICABLE: "2",
    Status.NEEDS_HUMAN: "33",
    Status.NEEDS_EVIDENCE: "36",
    Status.STALE: "35",
    Status.WAIVED: "34",
}
# Worst first: an item shows the first of these among its findings.
RANK = [
    Status.FAIL,
    Status.STALE,
    Status.NEEDS_EVIDENCE,
    Status.NEEDS_HUMAN,
    Status.WAIVED,
    Status.PASS,
    Status.NOT_APPLICABLE,
]


def _catalogue() -> dict[str, Check]:
    from scaffold.checks import catalogue

    return catalogue()


def items(findings: Sequence[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """Findings grouped by item (ID, subject), in the order each item first appears."""
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.check_id, finding.subject or "repo"), []).append(finding)
    return grouped


def item_status(group: Sequence[Finding]) -> Status:
    return min((f.status for f in group), key=RANK.index)


def _ranked(group: Sequence[Finding]) -> list[Finding]:
    """The item's findings, worst first (stable within a status)."""
    return sorted(group, key=lambda f: RANK.index(f.status))


def summary(findings: Sequence[Finding]) -> str:
    """`N pass, N fail, N not applicable, N need a human, N need evidence, N stale, N waived`, counting each item
    (ID and subject) once, under its worst status."""
    counts = Counter(item_status(group) for group in items(findings).values())
    return ", ".join(f"{counts[status]} {label}" for status, label in _SUMMARY_ORDER)


def _waiver_text(waiver: Waiver) -> str:
    return f"owner {waiver.owner}, ticket {waiver.ticket}, expires {waiver.expires}"


def _where(finding: Finding) -> str:
    if not finding.file:
        return ""
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def _sections(findings: Sequence[Finding], checks: Mapping[str, Check]) -> dict[str, list[Finding]]:
    """Findings grouped by checklist section, in checklist order (unknown IDs last)."""
    order = {check_id: index for index, check_id in enumerate(checks)}
    grouped: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=lambda f: (order.get(f.check_id, len(order)), f.subject or "")):
        check = checks.get(finding.check_id)
        grouped.setdefault(check.section if check else "Other", []).append(finding)
    return grouped


# --- text ------------------------------------------------------------------------------------------------------
def render_text(findings: Sequence[Finding], *, checks: Mapping[str, Check] | None = None, color: bool = False) -> str:
    checks = _catalogue() if checks is None else checks

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    def details(finding: Finding) -> list[str]:
        extra = []
        if finding.waiver is not None:
            extra.append(f"      {paint('waiver:', '2')} {_waiver_text(finding.waiver)}")
        if finding.fix and finding.status is not Status.PASS:
            extra.append(f"      {paint('fix:', '2')} {finding.fix}")
        return extra

    lines: list[str] = []
    for section, in_section in _sections(findings, checks).items():
        lines.append(paint(section, "1"))
        for group in items(in_section).values():
            head, *others = _ranked(group)
            label = paint(f"{_LABELS[head.status]:<8}", _COLOURS[head.status])
            parts = [label, f"{head.check_id:<11}", head.subject or "-"]
            if _where(head):
                parts.append(_where(head))
            lines.append("  " + "  ".join(parts) + f"  {head.message}")
            lines += details(head)
            for other in others:  # the item's other findings, under its one line
                where = f"{_where(other)}  " if _where(other) else ""
                lines.append(f"      {paint(other.status.value.replace('_', ' ') + ':', '2')} {where}{other.message}")
                lines += details(other)
        lines.append("")
    lines.append(summary(findings))
    return "\n".join(lines) + "\n"


# --- json ------------------------------------------------------------------------------------------------------
JSON_SCHEMA_VERSION = 1  # docs/verify-report.schema.json; bump when a reader of version 1 would misread a report
_JSON_KEYS = ("id", "status", "title", "subject", "file", "line", "message", "fix")


def json_summary(findings: Sequence[Finding]) -> dict[str, int]:
    """Items (ID and subject, each once under its worst status) per status, then the item and finding totals."""
    grouped = items(findings)
    counts = Counter(item_status(group) for group in grouped.values())
    return {
        **{status.value: counts[status] for status, _ in _SUMMARY_ORDER},
        "items": len(grouped),
        "findings": len(findings),
    }


def render_json(
    findings: Sequence[Finding],
    *,
    checks: Mapping[str, Check] | None = None,
    extra: Mapping[str, object] | None = None,
) -> str:
    """`{"schema_version": 1, "summary": {...}, "findings": [flat objects]}` (docs/verify-report.schema.json),
    indented by two. `extra`: more top-level keys after the summary (a shard's `shard` object). (This was laid out
    by hand for speed once; `bench/bench_hacks.py` measured json.dumps at 1.2× that on 12,838 findings, 14 ms, and
    it went.)"""
    checks = _catalogue() if checks is None else checks
    objects = []
    for f in findings:
        title = checks[f.check_id].title if f.check_id in checks else None
        values = (f.check_id, str(f.status), title, f.subject, f.file, f.line, f.message, f.fix)
        fields: dict[str, object] = dict(zip(_JSON_KEYS, values, strict=True))
        if f.waiver is not None:  # only on waived findings, so every other object keeps its eight keys
            fields["waiver"] = _waiver_fields(f.waiver)
        objects.append(fields)
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "summary": json_summary(findings),
        **(extra or {}),
        "findings": objects,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def finding_from_json(item: Mapping[str, object]) -> Finding:
    """A finding back from one object of the JSON report (the inverse of `render_json` for one finding; `title`
    comes from the catalogue). Raises ValueError on an object that is not one."""

    def text(key: str, optional: bool = True) -> str | None:
        value = item.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise ValueError(f"finding field {key!r} is not a string")
        return value

    line = item.get("line")
    if line is not None and (type(line) is not int):
        raise ValueError("finding field 'line' is not an integer")
    waiver = item.get("waiver")
    if waiver is not None:
        if not isinstance(waiver, Mapping) or not all(isinstance(waiver.get(k), str) for k in _WAIVER_KEYS):
            raise ValueError("finding field 'waiver' is not a waiver")
        waiver = Waiver(*(str(waiver[k]) for k in _WAIVER_KEYS))
    return Finding(
        str(text("id", optional=False)),
        Status(str(text("status", optional=False))),
        str(text("message", optional=False)),
        file=text("file"),
        line=line,
        fix=text("fix"),
        subject=text("subject"),
        waiver=waiver,
    )


_WAIVER_KEYS = ("owner", "ticket", "expires", "reason")


def _waiver_fields(waiver: Waiver) -> dict[str, str]:
    return {"owner": waiver.owner, "ticket": waiver.ticket, "expires": waiver.expires, "reason": waiver.reason}


# --- sarif -----------------------------------------------------------------------------------------------------
def render_sarif(findings: Sequence[Finding], *, checks: Mapping[str, Check] | None = None) -> str:
    """SARIF 2.1.0: every catalogue item as a rule (with its help text), every fail finding as a result, and every
    waived finding as a result with an accepted external suppression (who, ticket, expiry)."""
    checks = _catalogue() if checks is None else checks
    rule_index = {check_id: index for index, check_id in enumerate(checks)}
    rules = [
        {
            "id": check.id,
            "name": check.id.replace("-", ""),
            "shortDescription": {"text": check.title},
            "fullDescription": {"text": check.doc.what},
            "help": {
                "text": f"{check.doc.why}\n\nHow to fix: {check.doc.fix}",
                "markdown": f"**{check.title}** ({check.mode})\n\n{check.doc.what}\n\n*Why it matters:* "
                f"{check.doc.why}\n\n*How to fix:* {check.doc.fix}",
            },
            "properties": {"section": check.section, "mode": check.mode},
        }
        for check in checks.values()
    ]
    results = []
    for finding in findings:
        if finding.status not in (Status.FAIL, Status.WAIVED):
            continue
        text = finding.message + (f" Fix: {finding.fix}" if finding.fix else "")
        result: dict[str, object] = {
            "ruleId": finding.check_id,
            "level": "error",
            "message": {"text": f"[{finding.subject}] {text}" if finding.subject else text},
        }
        if finding.waiver is not None:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f"{finding.waiver.reason} (ticket {finding.waiver.ticket})",
                    "properties": _waiver_fields(finding.waiver),
                }
            ]
        if finding.check_id in rule_index:
            result["ruleIndex"] = rule_index[finding.check_id]
        if finding.file:
            location: dict[str, object] = {"artifactLocation": {"uri": finding.file, "uriBaseId": "%SRCROOT%"}}
            if finding.line:
                location["region"] = {"startLine": finding.line}
            result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "scaffold", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- junit -----------------------------------------------------------------------------------------------------
def render_junit(findings: Sequence[Finding], *, checks: Mapping[str, Check] | None = None) -> str:
    """One testsuite per section, one testcase per (ID, subject): fail → <failure>; needs_*, stale, waived and not
    applicable → <skipped> with the reason (a waived one with owner, ticket and expiry as <properties>); pass → an
    empty testcase."""
    checks = _catalogue() if checks is None else checks
    root = ET.Element("testsuites", name="scaffold verify")
    totals = Counter[str]()
    for section, items in _sections(findings, checks).items():
        cases: dict[tuple[str, str], list[Finding]] = {}
        for finding in items:
            cases.setdefault((finding.check_id, finding.subject or "repo"), []).append(finding)
        suite = ET.SubElement(root, "testsuite", name=section)
        counts = Counter[str]()
        for (check_id, subject), group in cases.items():
            title = checks[check_id].title if check_id in checks else ""
            case = ET.SubElement(
                suite, "testcase", classname=f"{check_id} {title}".strip(), name=f"{check_id} {subject}"
            )
            status = item_status(group)
            chosen = [f for f in group if f.status is status]
            text = "\n".join(f"{_where(f)}: {f.message}" if _where(f) else f.message for f in chosen) + "".join(
                f"\nfix: {f.fix}" for f in chosen if f.fix
            )
            counts["tests"] += 1
            if status is Status.FAIL:
                ET.SubElement(case, "failure", message=chosen[0].message, type="fail").text = text
                counts["failures"] += 1
            elif status is not Status.PASS:
                waiver = chosen[0].waiver
                if waiver is not None:
                    properties = ET.SubElement(case, "properties")
                    for key, value in _waiver_fields(waiver).items():
                        ET.SubElement(properties, "property", name=f"waiver.{key}", value=value)
                ET.SubElement(case, "skipped", message=f"{status.value}: {chosen[0].message}").text = text
                counts["skipped"] += 1
        for key in ("tests", "failures", "skipped"):
            suite.set(key, str(counts[key]))
        suite.set("errors", "0")
        totals.update(counts)
    for key in ("tests", "failures", "skipped"):
        root.set(key, str(totals[key]))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- markdown --------------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(findings: Sequence[Finding], *, checks: Mapping[str, Check] | None = None) -> str:
    """A pull-request comment: a summary table, the failing items, and a to-do list of what needs a person."""
    checks = _catalogue() if checks is None else checks
    counts = Counter(item_status(group) for group in items(findings).values())
    failing = [f for f in findings if f.status is Status.FAIL]
    icon = "❌" if failing else "✅"
    lines = [f"## {icon} scaffold verify", "", "| status | count |", "|---|---|"]
    lines += [f"| {label} | {counts[status]} |" for status, label in _SUMMARY_ORDER]
    lines.append("")
    if failing:
        lines += ["### Failing", ""]
        for f in failing:
            where = f" `{_where(f)}`" if _where(f) else ""
            lines.append(f"- **{f.check_id}** {f.subject or ''}{where}: {_cell(f.message)}")
            if f.fix:
                lines.append(f"  - fix: {_cell(f.fix)}")
        lines.append("")
    waived = [f for f in findings if f.status is Status.WAIVED and f.waiver is not None]
    if waived:
        lines += ["### Waived", "", "| item | owner | ticket | expires | reason |", "|---|---|---|---|---|"]
        for f in waived:
            assert f.waiver is not None
            lines.append(
                f"| **{f.check_id}** {f.subject or ''} | {_cell(f.waiver.owner)} | {_cell(f.waiver.ticket)} | "
                f"{f.waiver.expires} | {_cell(f.waiver.reason)} |"
            )
        lines.append("")
    todo = [f for f in findings if f.status in (Status.NEEDS_HUMAN, Status.NEEDS_EVIDENCE, Status.STALE)]
    if todo:
        lines += ["### To do", ""]
        for f in todo:
            title = checks[f.check_id].title if f.check_id in checks else ""
            kind = {"needs_human": "sign-off", "needs_evidence": "evidence", "stale": "re-attest"}[f.status.value]
            lines.append(f"- [ ] **{f.check_id}** {f.subject or ''} ({kind}) {_cell(title)}: {_cell(f.message)}")
            if f.fix:
                lines.append(f"  - {_cell(f.fix)}")
        lines.append("")
    lines.append(f"<sub>{summary(findings)}</sub>")
    return "\n".join(lines) + "\n"


# --- html ------------------------------------------------------------------------------------------------------
def render_html(
    findings: Sequence[Finding], *, checks: Mapping[str, Check] | None = None, owners: Mapping[str, str] | None = None
) -> str:
    """One self-contained page: subjects × checklist sections as a heat map (scaffold/verify/html_report.py).
    `owners`: subject label -> owning team, for the owner filter."""
    from scaffold.verify.html_report import render_html as page

    checks = _catalogue() if checks is None else checks
    return page(findings, checks=checks, summary=summary(findings), rank=RANK, owners=owners)


Reporter = Callable[..., str]
REPORTERS: dict[str, Reporter] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "markdown": render_markdown,
    "html": render_html,
}


def render(
    format: str,
    findings: Sequence[Finding],
    *,
    checks: Mapping[str, Check] | None = None,
    color: bool = False,
    owners: Mapping[str, str] | None = None,
) -> str:
    """The report in `format` (one of FORMATS). `color` only affects text, `owners` only html."""
    if format not in REPORTERS:
        raise ValueError(f"unknown format {format!r}; one of {', '.join(FORMATS)}")
    if format == "text":
        return render_text(findings, checks=checks, color=color)
    if format == "html":
        return render_html(findings, checks=checks, owners=owners)
    return REPORTERS[format](findings, checks=checks)
