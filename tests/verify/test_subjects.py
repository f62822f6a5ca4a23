"""Subjects of the event, job, integration and endpoint checks."""

from __future__ import annotations

from pathlib import Path

from scaffold.verify.model import Kind
from scaffold.verify.repo import RepoView, Subject
from scaffold.verify.subjects import UNREADABLE, find_endpoint, home_service

FIXTURES = Path(__file__).parent.parent / "fixtures" / "checks"


def _labels(root: Path, kind: Kind) -> list[tuple[str, str]]:
    return [(s.label, s.path) for s in RepoView(root).subjects(kind)]


def test_events_are_registry_keys_plus_published_events() -> None:
    assert _labels(FIXTURES / "EVT-02/pass/repo", Kind.EVENT) == [("event:billing.item_created", "packages/contracts")]
    assert [label for label, _ in _labels(FIXTURES / "EVT-02/fail/repo", Kind.EVENT)] == [
        "event:billing.item_created",
        "event:billing.item_deleted",
    ]


def test_jobs_are_registry_entries_and_an_unreadable_registry_is_one_subject() -> None:
    assert _labels(FIXTURES / "JOB-02/pass/repo", Kind.JOB) == [("job:nightly-cleanup", "services/jobs")]
    assert _labels(FIXTURES / "JOB-02/fail-unreadable/repo", Kind.JOB) == [(f"job:{UNREADABLE}", "services/jobs")]


def test_integrations_are_folders_with_answers_or_a_manifest(tmp_path: Path) -> None:
    for name, marker in (("acme", ".copier-answers.yml"), ("beta", "integration.yaml"), ("notes", "README.md")):
        (tmp_path / "integrations" / name).mkdir(parents=True)
        (tmp_path / "integrations" / name / marker).write_text("name: x\n")
    assert _labels(tmp_path, Kind.INTEGRATION) == [
        ("integration:acme", "integrations/acme"),
        ("integration:beta", "integrations/beta"),
    ]


def test_endpoints_are_third_party_operations_named_service_operation_id() -> None:
    root = FIXTURES / "EP-07/pass/repo"
    assert _labels(root, Kind.ENDPOINT) == [
        ("endpoint:billing:createInvoice", "services/billing"),
        ("endpoint:billing:getInvoice", "services/billing"),
    ]
    repo = RepoView(root)
    endpoint = find_endpoint(repo, repo.subjects(Kind.ENDPOINT)[1])
    assert endpoint is not None and (endpoint.operation.method, endpoint.operation.path) == ("get", "/invoices/{id}")


def test_no_subjects_in_an_empty_repo(tmp_path: Path) -> None:
    for kind in (Kind.EVENT, Kind.JOB, Kind.INTEGRATION, Kind.ENDPOINT):
        assert RepoView(tmp_path).subjects(kind) == []


def test_an_escaped_third_party_audience_still_makes_an_endpoint(tmp_path: Path) -> None:
    """Listing skips documents that cannot name the audience; one that escapes it in a quoted string can."""
    audiences = {"billing": "third\\u002dparty", "care": "third-party", "notes": "first-party"}
    for name, audience in audiences.items():
        service = tmp_path / "services" / name
        service.mkdir(parents=True)
        (service / "service.yaml").write_text(f"name: {name}\n")
        (service / "openapi.yaml").write_text(
            f'openapi: 3.1.0\npaths:\n  /a:\n    get:\n      operationId: read\n'
            f'      x-platform-audience: "{audience}"\n      responses: {{}}\n'
        )
    assert _labels(tmp_path, Kind.ENDPOINT) == [
        ("endpoint:billing:read", "services/billing"),
        ("endpoint:care:read", "services/care"),
    ]


def test_home_services() -> None:
    repo = RepoView(FIXTURES / "EVT-02/pass/repo")
    assert repo.service_names == ["billing"]
    assert home_service(repo, Subject(Kind.SERVICE, "billing", "services/billing")) == "billing"
    assert home_service(repo, Subject(Kind.ENDPOINT, "billing:getInvoice", "services/billing")) == "billing"
    assert home_service(repo, Subject(Kind.EVENT, "billing.item_created", "packages/contracts")) == "billing"
    assert home_service(repo, Subject(Kind.EVENT, "platform.heartbeat", "packages/contracts")) is None
    assert home_service(repo, Subject(Kind.REPO, "repo", "")) is None
