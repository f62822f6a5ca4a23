"""The verifier on a service written by hand, not by the generator (issue 10): tests/fixtures/handwritten/platform
is a `scaffold init` platform whose services/visits follows docs/LAYOUT.md and the real service-kit API in another
style — routes mounted through a factory, alarms built by a helper, the hostname computed per stage by a function,
/healthz answered by a middleware, secrets reached through SST `link` + `Resource.<Name>.value`, YAML anchors, logs of
ids and counts, a Twilio client injected and imported type-only, a data-driven 401/403 test, a migration test named
for what it does, an event schema derived with `.extend()` and exported through an alias.

Its clean form must not fail; each planted slip (a small patch) must fail under the right ID at its file and line.
Measured when this test was written: 38 failures on the clean form before the fixes (36 false, 2 real gaps in
the fixture's own tests, since fixed), 0 after (with the route reader of issue 10's first part, which follows
`app.route(prefix, factory())` mounts). Of the 22 slips below, 6 were found before the fixes (13 failed at the
right place, but 7 of those places already failed on the clean form) and all 22 after.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Finding, Status

PLATFORM = Path(__file__).resolve().parents[1] / "fixtures" / "handwritten" / "platform"
SERVICE = "services/visits"

def _failures(findings: list[Finding]) -> set[tuple[str, str | None, int | None]]:
    return {(f.check_id, f.file, f.line) for f in findings if f.status is Status.FAIL}


@functools.cache
def _clean_failures() -> frozenset[tuple[str, str | None, int | None]]:
    return frozenset(_failures(run_checks(PLATFORM, Selection())))


def test_the_clean_form_fails_nothing() -> None:
    assert not _clean_failures(), sorted(_clean_failures())


@dataclass(frozen=True)
class Slip:
    name: str
    check_id: str
    file: str  # relative to the service folder, or to the platform when it starts with "packages/"
    old: str
    new: str
    at: str | None  # text in the patched file whose line the finding must name (None: the finding has no line)
    at_file: str | None = None  # where the finding points, when not the patched file
    more: tuple[tuple[str, str], ...] = ()  # further (old, new) replacements in the same file

    def path(self, file: str) -> str:
        return file if file.startswith("packages/") else f"{SERVICE}/{file}"


_DLQ_ALARM = """alarm("DlqDepth", "dlq-depth", "warning", {
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: reminderDlq.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 0,
});
"""
_LATENCY_SECTION = """## Alarm: visits-latency-p99

p99 latency above 1 s for 10 minutes (warning).

Dashboard: https://console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/visits-latency-p99

Remediation:
1. Find the slow operation in the traces; check the `(brand_id, scheduled_at)` index is used.
2. For CPU saturation raise `scaling.max` in `infra.ts`.

"""
_FORBIDDEN_CASE = """  it("is refused without its scope", async () => {
    const others = ALL_SCOPES.filter((scope) => scope !== op.scope);
    expect((await send(op, await token({ scopes: others }))).status).toBe(403);
  });

"""

SLIPS = [
    Slip(
        "alarm missing among helper-built ones",
        "SVC-OBS-04",
        "infra.ts",
        _DLQ_ALARM,
        "",
        'new sst.aws.Service("Visits"',
    ),
    Slip(
        "runbook section missing for a helper-built alarm",
        "SVC-DOC-02",
        "RUNBOOK.md",
        _LATENCY_SECTION,
        "",
        'alarm("LatencyP99"',
        at_file="infra.ts",
    ),
    Slip(
        "warnings routed to PagerDuty",
        "SVC-OBS-05",
        "infra.ts",
        'endpoint: slackWebhookUrl.value });',
        'endpoint: pagerDutyUrl.value });',
        'alarm("LatencyP99"',
    ),
    Slip(
        "the same hostname in every stage",
        "SVC-DEP-04",
        "infra.ts",
        'return current === "prod" ? `${name}.${DOMAIN}` : `${name}.${current}.${DOMAIN}`;',
        "return `${name}.${DOMAIN}`;",
        "domain: { name: hostname",
    ),
    Slip(
        "health check on another path",
        "SVC-DEP-01",
        "infra.ts",
        'path: "/healthz", interval',
        'path: "/health", interval',
        'new sst.aws.Service("Visits"',
    ),
    Slip(
        "Sentry DSN not linked",
        "SVC-OBS-03",
        "infra.ts",
        "link: [reminders, secrets.sentryDsn, ",
        "link: [reminders, ",
        'new sst.aws.Service("Visits"',
    ),
    Slip(
        "a secret read through Resource but not linked",
        "SVC-DEP-03",
        "infra.ts",
        ", secrets.twilioToken],",
        "],",
        "Resource.VisitsTwilioToken.value",
        at_file="src/config.ts",
    ),
    Slip(
        "a live AWS key in src",
        "SVC-DEP-03",
        "src/vendors/twilio.ts",
        'const TWILIO_API = "https://api.twilio.com/2010-04-01/Accounts/";',
        'const TWILIO_API = "https://api.twilio.com/2010-04-01/Accounts/";\nconst AWS_KEY = "AKIA4JX7Q2ZLMN8PRS3T";',
        "AKIA4JX7Q2ZLMN8PRS3T",
    ),
    Slip(
        "PHI field logged",
        "SVC-CODE-08",
        "src/services/visit-store.ts",
        'log.info("visit scheduled", { visitId: visit.id, brandId });',
        'log.info("visit scheduled", { visitId: visit.id, brandId, patient: visit.patient_name });',
        "patient: visit.patient_name",
    ),
    Slip(
        "whole record logged",
        "SVC-CODE-08",
        "src/domain/reminders.ts",
        'log.info("reminder sent", { visitId, brandId });',
        'log.info("reminder sent", { visitId, brandId, visit });',
        'log.info("reminder sent"',
    ),
    Slip(
        "missing requireScope in a factory-mounted router",
        "SVC-CODE-04",
        "src/routes/visits.ts",
        'visits.get("/:id", requireScope("visits:read"), requireBaa(),',
        'visits.get("/:id", requireBaa(),',
        'visits.get("/:id"',
    ),
    Slip(
        "missing idempotency on the mutation",
        "SVC-CODE-09",
        "src/routes/visits.ts",
        "    idempotency(),\n    audit(),",
        "    audit(),",
        "visits.post(",
    ),
    Slip(
        "mutation not audited",
        "SVC-CODE-05",
        "src/routes/visits.ts",
        '      c.set("audit_event_type", "visits.visit.scheduled");\n',
        "",
        "visits.post(",
    ),
    Slip(
        "vendor client factory without its breaker",
        "SVC-CODE-10",
        "src/vendors/twilio.ts",
        'const post = withCircuitBreaker("twilio", async (form: URLSearchParams) => {',
        "const post = async (form: URLSearchParams) => {",
        "const res = await fetch(",
        more=(("  });\n  return { send:", "  };\n  return { send:"),),
    ),
    Slip(
        "vendor SDK injected type-only and called without a breaker",
        "SVC-CODE-10",
        "src/domain/reminders.ts",
        'import type { SmsClient } from "../vendors/twilio";',
        'import type { Twilio } from "twilio";\nimport type { SmsClient } from "../vendors/twilio";',
        "await this.twilio.messages.create",
        more=(
            (
                "    private readonly sms: SmsClient,\n  ) {}",
                "    private readonly sms: SmsClient,\n    private readonly twilio: Twilio,\n  ) {}",
            ),
            (
                '    log.info("reminder sent"',
                '    await this.twilio.messages.create({ to: visit.phone, from: "+15550100", body: "Reminder" });\n'
                '    log.info("reminder sent"',
            ),
        ),
    ),
    Slip(
        "raw fetch to another platform service, URL built with +",
        "SVC-CODE-07",
        "src/domain/reminders.ts",
        "    log.info(\"reminder sent\"",
        '    await fetch("https://patients.platform.loop.health" + "/v1/patients/" + visitId);\n'
        '    log.info("reminder sent"',
        'await fetch("https://patients',
    ),
    Slip(
        "brand-scoped read without brand_id",
        "SVC-DB-04",
        "src/services/visit-store.ts",
        "FROM visits WHERE brand_id = $1 AND id = $2`, [brandId, id]",
        "FROM visits WHERE id = $2`, [brandId, id]",
        "FROM visits WHERE id = $2",
    ),
    Slip(
        "a table without brand_id",
        "SVC-CODE-06",
        "migrations/0002_visits.sql",
        "CREATE TABLE reminders_sent (\n  brand_id text NOT NULL,\n",
        "CREATE TABLE reminders_sent (\n",
        "CREATE TABLE reminders_sent",
    ),
    Slip(
        "healthz middleware not mounted",
        "SVC-DEP-05",
        "src/app.ts",
        "  app.use(healthz());\n",
        "",
        None,
        at_file="src",
    ),
    Slip(
        "403 case dropped from the data-driven test",
        "SVC-TEST-04",
        "test/conformance/auth-matrix.test.ts",
        _FORBIDDEN_CASE,
        "",
        "    post:",
        at_file="openapi.yaml",
    ),
    Slip(
        "migration test without rows",
        "SVC-DB-02",
        "test/migration/upgrade.test.ts",
        "    await db.query(\n      `INSERT INTO visits",
        "    await db.query(\n      `SELECT 1 FROM visits",
        "import { copyFile",
    ),
    Slip(
        "event schema that is not an object",
        "EVT-01",
        "packages/contracts/src/events/visits.ts",
        "const scheduledSchema = visitRef.extend({ scheduled_at: z.iso.datetime() });",
        "const scheduledSchema = z.iso.datetime();",
        "const scheduledSchema",
    ),
]

def _plant(root: Path, slip: Slip) -> None:
    target = root / slip.path(slip.file)
    text = target.read_text()
    assert text.count(slip.old) == 1, f"{slip.name}: the patch does not apply to {slip.file}"
    text = text.replace(slip.old, slip.new)
    for old, new in slip.more:
        assert text.count(old) == 1, f"{slip.name}: the patch does not apply to {slip.file}"
        text = text.replace(old, new)
    target.write_text(text)


def _expected_place(root: Path, slip: Slip) -> tuple[str, int | None]:
    file = slip.path(slip.at_file or slip.file)
    if slip.at is None:
        return file, None
    lines = (root / file).read_text().splitlines()
    return file, next(number for number, line in enumerate(lines, 1) if slip.at in line)


@pytest.mark.parametrize("slip", SLIPS, ids=[s.name for s in SLIPS])
def test_each_planted_slip_is_found_at_its_place(slip: Slip, tmp_path: Path) -> None:
    root = tmp_path / "platform"
    shutil.copytree(PLATFORM, root)
    _plant(root, slip)
    findings = [f for f in run_checks(root, Selection(only=(slip.check_id,))) if f.check_id == slip.check_id]
    places = {(f.file, f.line) for f in findings if f.status is Status.FAIL}
    expected = _expected_place(root, slip)
    assert expected in places, f"{slip.check_id}: {[(f.status, f.message) for f in findings]}"
    # Found because of the slip, not a failure the clean form already gives at the same place.
    assert (slip.check_id, *expected) not in _clean_failures()


def test_there_are_at_least_fifteen_slips_over_distinct_items() -> None:
    assert len(SLIPS) >= 15
    assert len({s.check_id for s in SLIPS}) >= 15
