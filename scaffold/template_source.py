"""Where a platform's generated projects pull template changes from: a git repo of scaffold's templates carrying a
`v<version>` tag per release (copier's `_src_path` and `_commit`).

A source is recorded only once it is known to work (reachable with `git ls-remote`, holding the tag the generated
files were rendered from): a guessed URL makes `copier update` die months later with a network or "unknown revision"
traceback. Without a URL from the user, the git source scaffold itself was installed from is used when it has the
tag (a `pip install git+URL@vX.Y.Z`, or a checkout); otherwise nothing is recorded and the user is told how to set
it (`scaffold config templates-url URL`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from scaffold.errors import ScaffoldError

RELEASE_TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
LS_REMOTE_TIMEOUT_SECONDS = 60.0


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # Never prompt for credentials (a CI job or a pipe would hang), never read the user's askpass helper.
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            env=environment,
            timeout=LS_REMOTE_TIMEOUT_SECONDS,
        )
    except FileNotFoundError:
        raise ScaffoldError("git is not installed; template sources are git repos") from None
    except subprocess.TimeoutExpired:
        raise ScaffoldError(f"`git {' '.join(args[:2])}` gave no answer in {LS_REMOTE_TIMEOUT_SECONDS:g} s") from None


def release_tags(url: str) -> list[str]:
    """The `vX.Y.Z` tags of the git repo at `url`, oldest first; a one-line error when it cannot be read."""
    result = _git("ls-remote", "--tags", "--refs", url)
    if result.returncode != 0:
        reason = next((line for line in reversed(result.stderr.splitlines()) if line.strip()), "no reason given")
        raise ScaffoldError(f"templates URL {url!r} is not a reachable git repo: {reason.strip()}")
    tags = {line.rpartition("refs/tags/")[2] for line in result.stdout.splitlines() if "refs/tags/" in line}
    return sorted((tag for tag in tags if RELEASE_TAG.match(tag)), key=version_key)


def version_key(tag: str) -> tuple[int, int, int]:
    match = RELEASE_TAG.match(tag)
    if match is None:
        return (-1, -1, -1)
    major, minor, patch = match.groups()
    return (int(major), int(minor), int(patch))


def check_source(url: str, ref: str) -> str:
    """`url` when it is a reachable git repo holding tag `ref`, else a one-line error saying which is wrong."""
    if not url.strip():
        raise ScaffoldError("templates URL is empty")
    tags = release_tags(url)
    if ref not in tags:
        latest = f" (its newest release tag is {tags[-1]})" if tags else " (it has no vX.Y.Z tags)"
        raise ScaffoldError(
            f"templates URL {url!r} has no tag {ref}{latest}: `copier update` starts from the tag the files were "
            f"made from; push the tag, or give a repo that has it"
        )
    return url


def installed_source_candidates() -> list[str]:
    """Git sources scaffold may have been installed from, best first: the VCS URL pip recorded (PEP 610
    direct_url.json) or the local folder it was installed from, then the checkout the templates are read from."""
    from scaffold.templates import templates_root

    candidates: list[str] = []
    try:
        direct_url = metadata.distribution("scaffold").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct_url = None
    if direct_url:
        try:
            record = json.loads(direct_url)
        except ValueError:
            record = {}
        url = str(record.get("url", ""))
        if record.get("vcs_info", {}).get("vcs") == "git" and url:
            candidates.append(url)
        elif url.startswith("file://"):
            folder = _git_top(Path(unquote(urlparse(url).path)))
            if folder is not None:
                candidates.append(str(folder))
    checkout = _git_top(templates_root())
    if checkout is not None and str(checkout) not in candidates:
        candidates.append(str(checkout))
    return candidates


def _git_top(folder: Path) -> Path | None:
    """`folder` itself when it is the top of a git work tree (not merely somewhere inside one)."""
    if not folder.is_dir():
        return None
    result = _git("rev-parse", "--show-toplevel", cwd=folder)
    if result.returncode != 0 or Path(result.stdout.strip()).resolve() != folder.resolve():
        return None
    return folder.resolve()


def installed_source(ref: str) -> str | None:
    """The first installed-from git source that holds tag `ref`, or None. A local checkout whose templates differ
    from that tag (a development tree) is still used, with a note: `copier update` starts from the tag's render."""
    for candidate in installed_source_candidates():
        try:
            source = check_source(candidate, ref)
        except ScaffoldError:
            continue
        if Path(source).is_dir():
            drift = _git("diff", "--quiet", ref, "--", "copier.yml", "templates", cwd=Path(source))
            if drift.returncode == 1:
                print(
                    f"scaffold: note: the templates in {source} differ from its tag {ref}; files are rendered from "
                    f"the working tree but recorded as {ref}, so a later `copier update` sees those differences",
                    file=sys.stderr,
                )
        return source
    return None


def missing_source_note(ref: str, where: Path) -> str:
    return (
        "scaffold: NOTE: no template source recorded, so `copier update` and `scaffold update` cannot pull template "
        f"changes yet (scaffold was not installed from a git repo with tag {ref}). Once this scaffold's templates are "
        f"published as a git repo tagged {ref}, run in {where}:\n    scaffold config templates-url URL"
    )


def resolve_source(given: str | None, ref: str) -> str | None:
    """The source to record: `given` once checked (a local folder made absolute, so copier finds it from any
    subfolder), else the installed-from source when it holds `ref`, else None (the caller says how to set it)."""
    if given is None:
        return installed_source(ref)
    folder = Path(given).expanduser()
    url = str(folder.resolve()) if "://" not in given and folder.is_dir() else given
    return check_source(url, ref)
