"""Generators never overwrite: once its target exists, a generator either finds nothing to change (the planned tree
is byte-identical to what is there) or refuses in one line with exit 2 — whatever other generators or people have
changed since. Changing a generated thing is `copier update`'s job, or a person's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffold.cli import main
from tests.generators.conftest import snapshot

SERVICE = ["new", "service", "billing"]
EVENT = ["new", "event", "invoice.paid", "--publisher", "billing"]
JOB = ["new", "job", "nightly-cleanup", "--target", "billing", "--no-sdk"]
ENDPOINT = ["new", "endpoint", "item-summary", "--service", "billing", "--no-sdk"]
INTEGRATION = ["new", "integration", "acme-crm", "--scope", "billing:read"]
GENERATORS = {"service": SERVICE, "event": EVENT, "job": JOB, "endpoint": ENDPOINT, "integration": INTEGRATION}


def generate(platform: Path, argv: list[str]) -> int:
    return main([*argv, "--repo", str(platform), "--defaults", "--no-verify"])


@pytest.fixture(scope="module")
def pristine_full_platform(pristine_empty_platform: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """billing, then an event it publishes, a job and an endpoint in it, and an integration using its scope."""
    root = tmp_path_factory.mktemp("pristine-full") / "platform"
    shutil.copytree(pristine_empty_platform, root)
    for argv in GENERATORS.values():
        assert generate(root, argv) == 0, argv
    return root


@pytest.fixture
def full_platform(pristine_full_platform: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(pristine_full_platform, root)
    return root


def assert_refused(err: str, *words: str) -> None:
    assert err.startswith("scaffold: error:") and err.count("\n") == 1, err
    for word in words:
        assert word in err, err


def test_service_rerun_with_the_same_answers_after_other_generators_refuses(
    full_platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported bug: the re-render exited 0 and took away the endpoint, the job's route and hand edits."""
    readme = full_platform / "services/billing/README.md"
    readme.write_text(readme.read_text() + "\nHand-written notes on billing.\n")
    before = snapshot(full_platform)
    capsys.readouterr()
    assert generate(full_platform, SERVICE) == 2
    assert_refused(capsys.readouterr().err, "services/billing", "copier update")
    assert snapshot(full_platform) == before


@pytest.mark.parametrize("kind", [*GENERATORS])
@pytest.mark.parametrize("dry_run", [False, True], ids=["apply", "dry-run"])
def test_every_generator_rerun_after_the_others_refuses_or_changes_nothing(
    full_platform: Path, capsys: pytest.CaptureFixture[str], kind: str, dry_run: bool
) -> None:
    before = snapshot(full_platform)
    capsys.readouterr()
    status = generate(full_platform, GENERATORS[kind] + (["--dry-run"] if dry_run else []))
    captured = capsys.readouterr()
    if status == 0:
        assert "nothing to change" in captured.err and captured.out == "", captured
    else:
        assert status == 2
        assert_refused(captured.err, "exists")
    assert snapshot(full_platform) == before


@pytest.mark.parametrize(
    ("kind", "edited", "old", "new", "words"),
    [
        ("service", "services/billing/src/services/item-service.ts", "\n", "\n// a hand edit\n", ("services/billing",)),
        ("integration", "integrations/acme-crm/README.md", "\n", "\nA hand edit.\n", ("integrations/acme-crm",)),
        ("endpoint", "services/billing/src/routes/item-summary.ts", "\n", "\n// a hand edit\n", ("item-summary",)),
        ("job", "services/billing/src/jobs/nightly-cleanup.ts", "processed: 0", "deleted: 0", ("nightly-cleanup",)),
        ("event", "packages/contracts/src/events/invoice.ts", "id: z.uuid(),", "id: z.string(),", ("invoice.paid",)),
    ],
)
def test_a_hand_edit_to_what_a_generator_made_is_never_re_rendered(
    full_platform: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    edited: str,
    old: str,
    new: str,
    words: tuple[str, ...],
) -> None:
    target = full_platform / edited
    text = target.read_text()
    assert old in text, edited
    target.write_text(text.replace(old, new, 1))
    before = snapshot(full_platform)
    capsys.readouterr()
    assert generate(full_platform, GENERATORS[kind]) == 2
    assert_refused(capsys.readouterr().err, *words)
    assert snapshot(full_platform) == before


def test_init_over_an_existing_platform_refuses(full_platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(full_platform)
    capsys.readouterr()
    assert main(["init", str(full_platform), "--defaults", "--no-verify"]) == 2
    assert_refused(capsys.readouterr().err, "already a platform")
    assert snapshot(full_platform) == before


def test_init_into_a_non_empty_folder_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    assert main(["init", str(tmp_path), "--defaults", "--no-verify"]) == 2
    assert_refused(capsys.readouterr().err, "not empty")
    assert snapshot(tmp_path) == {"notes.txt": b"mine\n"}


def test_init_rerun_on_its_own_untouched_output_changes_nothing(
    pristine_empty_platform: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "platform"
    shutil.copytree(pristine_empty_platform, root)
    before = snapshot(root)
    capsys.readouterr()
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert "nothing to change" in capsys.readouterr().err
    assert snapshot(root) == before
