"""Markdown headings and sections."""

from __future__ import annotations

from scaffold.parsers.markdown import parse_markdown

DOC = """---
title: billing
---
The billing service bills brands.

# Billing

Intro.

## Run locally

```sh
# not a heading
pnpm dev
```

## Alarm: error rate
Dashboard: https://example.test
Remediation: restart.

Rollback
--------
Redeploy the previous version.
"""


def test_headings_skip_code_fences() -> None:
    doc = parse_markdown(DOC)
    assert [(h.level, h.title, h.line) for h in doc.headings] == [
        (1, "Billing", 6),
        (2, "Run locally", 10),
        (2, "Alarm: error rate", 17),
        (2, "Rollback", 21),
    ]
    assert doc.front_matter == "title: billing"
    assert doc.preamble == "The billing service bills brands."


def test_sections() -> None:
    doc = parse_markdown(DOC)
    run_locally = doc.section("run locally")
    assert run_locally is not None and "pnpm dev" in run_locally.body
    alarm = doc.section("Alarm:", prefix=True)
    assert alarm is not None and alarm.body.startswith("Dashboard:") and "Rollback" not in alarm.body
    billing = doc.section("Billing")
    assert billing is not None and "Remediation" in billing.body  # a level-1 section holds its subsections
    rollback = doc.section("Rollback")
    assert rollback is not None and rollback.body == "Redeploy the previous version."
    assert doc.section("Nope") is None
