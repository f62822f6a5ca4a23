"""The generators' questions as a person answers them: the real CLI in a pseudo-terminal (pexpect), keystrokes
sent to questionary's prompts, then the files written and the exit status.

Synchronisation: every keystroke is sent only after the prompt it answers has been rendered (`expect` on the
prompt's text), and consecutive prompts have different texts, so an answer never reaches the terminal while it is
between two prompts (cooked mode). PROMPT_TOOLKIT_NO_CPR stops prompt_toolkit asking the terminal for the cursor
position — pexpect never answers, and prompt_toolkit would wait a second for the reply at every prompt.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

from scaffold.cli import main
from tests.generators.conftest import snapshot

DOWN = "\x1b[B"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: drop the pre-filled default before typing
CTRL_C = "\x03"


@pytest.fixture(scope="session")
def pristine_interactive_platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A platform holding billing, owned by money-team: the catalog then offers two owners and two rotations
    (jobs is platform-team's), so picking one with the arrow keys is distinguishable from taking the default."""
    root = tmp_path_factory.mktemp("pristine-interactive") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    billing = ["new", "service", "billing", "--owner", "money-team", "--on-call", "money-oncall"]
    assert main([*billing, "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def platform(pristine_interactive_platform: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine_interactive_platform, root)
    return root


class Terminal:
    """One `scaffold …` run in a pseudo-terminal, answered prompt by prompt."""

    def __init__(self, *args: str) -> None:
        env = {key: value for key, value in os.environ.items() if key not in ("CI", "SCAFFOLD_DEBUG")}
        env.update(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "scaffold.cli", *args],
            env=env,
            dimensions=(40, 200),
            encoding="utf-8",
            timeout=60,
        )

    def wait_for(self, prompt: str) -> None:
        """Block until `prompt` (a regex on the prompt's text) is on the screen."""
        self.child.expect(prompt)

    def type(self, prompt: str, answer: str, *, clear: bool = True) -> None:
        """A text prompt: replace whatever it pre-fills with `answer` (or, with clear=False, type after it as a
        person who sees an empty field does), then Enter."""
        self.wait_for(prompt)
        self.child.send((CLEAR_LINE if clear else "") + answer + ENTER)

    def retype(self, reason: str, answer: str) -> None:
        """The answer just given was refused: wait for `reason` (literal text) under the prompt, then replace the
        refused answer with `answer`."""
        self.child.expect(re.escape(reason))
        self.child.send(CLEAR_LINE + answer + ENTER)

    def accept(self, prompt: str) -> None:
        """Enter on a prompt: its pre-filled text, highlighted choice, or default yes/no."""
        self.wait_for(prompt)
        self.child.send(ENTER)

    def select(self, prompt: str, down: int) -> None:
        """A select prompt: move the highlight `down` rows from where it starts, then Enter."""
        self.wait_for(prompt)
        self.child.send(DOWN * down + ENTER)

    def confirm(self, prompt: str, yes: bool) -> None:
        self.wait_for(prompt)
        self.child.send("y" if yes else "n")

    def finish(self) -> tuple[int, str]:
        """The exit status and everything printed after the last answered prompt."""
        self.child.expect(pexpect.EOF)
        output = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.child.before or "").replace("\r", "")
        self.child.close()
        status = self.child.exitstatus
        assert status is not None, f"killed by signal {self.child.signalstatus}: {output}"
        return status, output


def test_new_service_asks_everything(platform: Path) -> None:
    term = Terminal("new", "service", "--repo", str(platform), "--no-verify")
    term.type("Service name", "care-plans")
    term.type("One line on what the service does", "Care plans for members.")
    # money-team, platform-team, (another…): the default platform-team is highlighted; one down is "(another…)"
    term.select("Owning team", down=1)
    term.type(r"Owning team \(type it\)", "care-team", clear=False)  # nothing listed is pre-filled
    # money-oncall, platform-oncall, (another…): from the default, up one is billing's rotation
    term.wait_for("On-call rotation")
    term.child.send("\x1b[A" + ENTER)
    term.type(r"First resource \(singular snake_case\)", "care_plan")
    term.confirm(r"Do its read routes return PHI\?", yes=True)
    term.accept("Local port")
    status, output = term.finish()

    assert status == 0, output
    assert "scaffold new service care-plans: wrote" in output
    manifest = yaml.safe_load((platform / "services/care-plans/service.yaml").read_text())
    assert manifest["description"] == "Care plans for members."
    assert manifest["owner"] == "care-team"
    assert manifest["on_call"] == "money-oncall"
    assert manifest["contracts"]["events_published"] == ["care-plans.care_plan_created"]
    recorded = yaml.safe_load((platform / "services/care-plans/.copier-answers.yml").read_text())
    assert recorded["returns_phi"] is True
    assert recorded["port"] == 3001
    catalog = yaml.safe_load((platform / "catalog/services.yaml").read_text())["services"]
    assert {"name": "care-plans", "owner": "care-team", "on_call": "money-oncall"}.items() <= next(
        entry for entry in catalog if entry["name"] == "care-plans"
    ).items()
    assert "scaffold verify" not in output  # --no-verify


def test_new_service_picks_a_listed_owner_and_keeps_flags(platform: Path) -> None:
    """Flags are not asked again; a listed owner is picked with the arrow keys."""
    flags = ("--description", "Care plans.", "--resource", "care_plan", "--port", "3100")
    term = Terminal("new", "service", "care-plans", *flags, "--repo", str(platform), "--no-verify")
    term.wait_for("Owning team")  # money-team, platform-team (highlighted), (another…)
    term.child.send("\x1b[A" + ENTER)
    term.accept("On-call rotation")  # the default, platform-oncall
    term.confirm(r"Do its read routes return PHI\?", yes=False)
    status, output = term.finish()

    assert status == 0, output
    assert "One line on what" not in output and "Local port" not in output
    recorded = yaml.safe_load((platform / "services/care-plans/.copier-answers.yml").read_text())
    assert {key: recorded[key] for key in ("description", "owner", "on_call", "resource", "returns_phi", "port")} == {
        "description": "Care plans.",
        "owner": "money-team",
        "on_call": "platform-oncall",
        "resource": "care_plan",
        "returns_phi": False,
        "port": 3100,
    }


def test_new_event_asks_name_publisher_payload_and_subscribers(platform: Path) -> None:
    term = Terminal("new", "event", "--repo", str(platform), "--no-verify")
    term.select("Event family", down=1)  # billing, (a new family…)
    term.type(r"New family \(kebab-case", "invoice")
    term.type(r"What happened \(invoice\.", "paid")
    term.accept("Publishing service")  # billing, the only one
    term.type(r"Payload field name \(empty to finish\)", "amount")
    term.select("Type of amount", down=1)  # string (highlighted), number, …
    term.confirm(r"Is amount optional\?", yes=False)
    term.type(r"Payload field name \(empty to finish\)", "note")
    term.accept("Type of note")  # string
    term.confirm(r"Is note optional\?", yes=True)
    term.type(r"Payload field name \(empty to finish\)", "")
    term.confirm(r"Is it user-facing", yes=False)
    term.wait_for("Subscribing services")
    term.child.send(" " + ENTER)  # tick billing
    status, output = term.finish()

    assert status == 0, output
    assert "scaffold new event invoice.paid: wrote" in output
    schema = (platform / "packages/contracts/src/events/invoice.ts").read_text()
    assert "amount: z.number()," in schema
    assert "note: z.string().optional()," in schema
    assert "id:" not in schema  # the typed fields replace the default payload
    manifest = yaml.safe_load((platform / "services/billing/service.yaml").read_text())
    assert "invoice.paid" in manifest["contracts"]["events_published"]
    assert "invoice.paid" in manifest["contracts"]["events_subscribed"]
    assert (platform / "services/billing/src/events/invoice.paid.ts").is_file()
    assert "invoice.paid" in (platform / "services/billing/src/subscriptions.ts").read_text()
    assert "invoice.paid" not in (platform / "packages/contracts/src/webhooks.ts").read_text()  # not user-facing


def test_new_event_with_no_field_typed_keeps_the_default_payload(platform: Path) -> None:
    term = Terminal("new", "event", "billing.refunded", "--repo", str(platform), "--no-verify")
    term.accept("Publishing service")
    term.type(r"Payload field name \(empty to finish\)", "")
    term.confirm(r"Is it user-facing", yes=False)
    term.accept("Subscribing services")  # nothing ticked
    status, output = term.finish()

    assert status == 0, output
    schema = (platform / "packages/contracts/src/events/billing.ts").read_text()
    assert "export const refunded = z.object({\n  id: z.uuid(),\n  occurred_at: z.iso.datetime(),\n});" in schema
    assert not (platform / "services/billing/src/events/billing.refunded.ts").exists()


def test_new_job_asks_and_runs_the_closing_verify(platform: Path) -> None:
    term = Terminal("new", "job", "--repo", str(platform), "--no-sdk")
    term.type(r"Job name \(kebab-case\)", "nightly-cleanup")
    term.type(r"Schedule \(UTC", "30 2 * * *")
    term.accept("Target service")  # billing, the only one
    term.type(r"What does it do \(one line\)\?", "Purges expired drafts.")
    status, output = term.finish()

    assert status == 0, output
    registry = (platform / "services/jobs/src/jobs/registry.ts").read_text()
    assert 'name: "nightly-cleanup",' in registry
    assert 'schedule: "cron(30 2 * * ? *)",' in registry
    assert 'description: "Purges expired drafts.",' in registry
    assert 'target: { service: "billing", method: "POST", path: "/admin/jobs/nightly-cleanup"' in registry
    # the closing verify: nothing fails, and what is left names its item and the attest line that records it
    assert "scaffold verify: 0 fail," in output
    assert "JOB-06 [job:nightly-cleanup] (needs evidence)" in output
    assert "scaffold attest JOB-06 --subject job:nightly-cleanup --evidence LINK" in output


def test_new_endpoint_asks_the_service_and_describes_a_new_scope(platform: Path) -> None:
    """With two services the route's service is asked; a scope typed at the prompt that SCOPES lacks is described."""
    assert main(["new", "service", "care-plans", "--repo", str(platform), "--defaults", "--no-verify"]) == 0
    term = Terminal("new", "endpoint", "--repo", str(platform), "--no-verify", "--no-sdk")
    term.type(r"Endpoint name \(kebab-case\)", "export-invoices")
    term.accept("Service that gets the route")  # billing, care-plans
    term.type(r"Method \(get, post, patch or delete\)", "GET")
    term.accept("Path")  # /export-invoices
    term.type("Scope", "billing:export")
    term.accept("Summary")
    term.accept("Description")
    term.type("Rate limit", "10/minute")
    term.type("Consent-screen text for the new scope billing:export", "Export your brand's invoices")
    term.confirm(r"Does billing:export return PHI", yes=False)
    status, output = term.finish()

    assert status == 0, output
    assert "scaffold new endpoint export-invoices: wrote" in output
    route = (platform / "services/billing/src/routes/export-invoices.ts").read_text()
    assert 'requireScope("billing:export"),' in route
    assert 'rateLimit({ requests: 10, per: "minute" }),' in route
    openapi = yaml.safe_load((platform / "services/billing/openapi.yaml").read_text())
    assert openapi["paths"]["/export-invoices"]["get"]["operationId"] == "exportInvoices"
    scopes = (platform / "packages/scopes/src/registry.ts").read_text()
    assert '"billing:export"' in scopes and "Export your brand's invoices" in scopes
    assert not (platform / "services/care-plans/src/routes/export-invoices.ts").exists()


def test_new_endpoint_asks_which_webhook_a_change_sends(platform: Path) -> None:
    """A mutation asks for its webhook among the events the service publishes, `none` last; a bad path re-asks."""
    term = Terminal("new", "endpoint", "rename-item", "--repo", str(platform), "--no-verify", "--no-sdk")
    term.type(r"Method \(get, post, patch or delete\)", "patch")
    term.type("Path", "/items/{id}/{x}")
    term.retype("has 2 parameters", "/items/{id}")
    term.accept("Scope")  # billing:write
    term.accept("Summary")
    term.accept("Description")
    term.accept("Rate limit")  # 30/minute
    term.select("Webhook event partners get for this change", down=1)  # billing.item_created, none
    status, output = term.finish()

    assert status == 0, output
    operation = yaml.safe_load((platform / "services/billing/openapi.yaml").read_text())["paths"]["/items/{id}"]
    assert operation["patch"]["x-platform-state-change"] is False
    assert "x-platform-webhooks" not in operation["patch"]


def test_init_asks_the_platform_name(tmp_path: Path) -> None:
    term = Terminal("init", str(tmp_path / "platform"), "--no-verify")
    term.type("Platform name", "acme")
    status, output = term.finish()

    assert status == 0, output
    assert yaml.safe_load((tmp_path / "platform/.scaffold/platform.yaml").read_text())["platform_name"] == "acme"


@pytest.mark.parametrize(
    ("args", "answers"),
    [
        pytest.param(("new", "service"), [("Service name", "care-plans"), ("One line on what", None)], id="text"),
        pytest.param(("new", "service", "care-plans"), [("One line on what", ""), ("Owning team", None)], id="select"),
        pytest.param(
            ("new", "event", "billing.refunded"),
            [("Publishing service", ""), ("Payload field name", "amount"), ("Type of amount", None)],
            id="event",
        ),
        pytest.param(("new", "job", "nightly-cleanup"), [("Schedule", ""), ("Target service", None)], id="job"),
    ],
)
def test_ctrl_c_at_a_prompt_writes_nothing(
    platform: Path, args: tuple[str, ...], answers: list[tuple[str, str | None]]
) -> None:
    """Answer some prompts (None: press Ctrl-C there), and the tree is as it was, with exit status 130."""
    before = snapshot(platform)
    term = Terminal(*args, "--repo", str(platform), "--no-verify")
    for prompt, answer in answers:
        term.wait_for(prompt)
        term.child.send(CTRL_C if answer is None else answer + ENTER)
        if answer is None:
            break
    status, output = term.finish()

    assert status == 130, output
    assert "scaffold: interrupted; nothing was written" in output
    assert snapshot(platform) == before


# --- each answer is checked at its question, by the rule its flag is checked with (issue 11, point 4) ----------
def test_a_wrong_answer_is_asked_again_with_the_reason_and_the_run_goes_on(platform: Path) -> None:
    term = Terminal("new", "service", "--repo", str(platform), "--no-verify")
    term.type("Service name", "Care Plans")
    term.retype("service name 'Care Plans' is not valid", "care-plans")
    term.type("One line on what the service does", "Care plans.")
    term.accept("Owning team")
    term.accept("On-call rotation")
    term.type(r"First resource \(singular snake_case\)", "Care Plan")
    term.retype("resource 'Care Plan' is not valid: singular snake_case", "care_plan")
    term.confirm(r"Do its read routes return PHI\?", yes=False)
    term.type("Local port", "80")
    term.retype("port 80 is out of range (1024–65535)", "3200")
    status, output = term.finish()

    assert status == 0, output
    recorded = yaml.safe_load((platform / "services/care-plans/.copier-answers.yml").read_text())
    assert (recorded["resource"], recorded["port"]) == ("care_plan", 3200)


def test_questions_go_to_the_terminal_and_results_to_stdout(platform: Path, tmp_path: Path) -> None:
    """`scaffold new job --dry-run > job.diff` on a terminal: the questions are asked there, and the file holds the
    diff only — no prompt, no escape code. The schedule is checked at its question."""
    diff = tmp_path / "job.diff"
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "SCAFFOLD_DEBUG")}
    env.update(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    command = f"{sys.executable} -m scaffold.cli new job --dry-run --no-sdk --repo {platform} > {diff}"
    child = pexpect.spawn("/bin/sh", ["-c", command], env=env, dimensions=(40, 200), encoding="utf-8", timeout=60)
    term = Terminal.__new__(Terminal)
    term.child = child
    term.type(r"Job name \(kebab-case\)", "Nightly Cleanup")
    term.retype("job name 'Nightly Cleanup'", "nightly-cleanup")
    term.type(r"Schedule \(UTC", "every night")
    term.retype("invalid schedule 'every night'", "0 3 * * *")
    term.accept("Target service")
    term.type(r"What does it do \(one line\)\?", "Purges expired drafts.")
    status, _ = term.finish()

    assert status == 0
    written = diff.read_text()
    assert "+++ b/services/jobs/src/jobs/registry.ts" in written and 'name: "nightly-cleanup",' in written
    assert "\x1b" not in written and "Job name (kebab-case)" not in written and "Schedule (UTC;" not in written
    assert not (platform / "services/billing/src/routes/jobs.ts").exists()  # a dry run


def test_event_fields_can_be_enums_and_arrays(platform: Path) -> None:
    term = Terminal("new", "event", "billing.settled", "--repo", str(platform), "--no-verify")
    term.accept("Publishing service")
    term.type(r"Payload field name \(empty to finish\)", "Status")
    term.retype("'Status'", "status")
    term.select("Type of status", down=6)  # string, number, integer, boolean, date-time, uuid, enum
    term.type("Values of status", "Open|Paid")
    term.retype("unknown type 'enum(Open|Paid)'", "open|paid")
    term.confirm(r"Is status optional\?", yes=False)
    term.type(r"Payload field name \(empty to finish\)", "tags")
    term.select("Type of tags", down=7)  # … enum, array
    term.accept("Type of the items of tags")  # string
    term.confirm(r"Is tags optional\?", yes=True)
    term.type(r"Payload field name \(empty to finish\)", "")
    term.confirm(r"Is it user-facing", yes=False)
    term.accept("Subscribing services")
    status, output = term.finish()

    assert status == 0, output
    schema = (platform / "packages/contracts/src/events/billing.ts").read_text()
    assert 'status: z.enum(["open", "paid"]),' in schema
    assert "tags: z.array(z.string()).optional()," in schema


def test_new_integration_asks_and_refuses_a_wildcard_redirect_uri(platform: Path) -> None:
    term = Terminal("new", "integration", "--repo", str(platform), "--no-verify")
    term.type(r"Integration name \(kebab-case\)", "Acme CRM")
    term.retype("integration name 'Acme CRM'", "acme-crm")
    term.type("Partner display name", "Acme CRM")
    term.accept("OAuth client id")
    term.accept("Scopes to ask for")  # the defaults are ticked: billing:read
    term.type("Redirect URI for dev", "https://*.acme.example/cb")
    term.retype("contains a wildcard", "https://dev.acme.example/cb")
    term.accept("Redirect URI for staging")
    term.accept("Redirect URI for prod")
    term.wait_for(r"Webhook events to receive|acme-crm: wrote")
    if "Webhook events" in (term.child.after or ""):
        term.child.send(ENTER)
    status, output = term.finish()

    assert status == 0, output
    manifest = yaml.safe_load((platform / "integrations/acme-crm/integration.yaml").read_text())
    assert manifest["partner"] == "Acme CRM"
    assert "https://dev.acme.example/cb" in str(manifest)
