"""Who is who for sign-offs: names compared after normalisation, bot accounts, and the git history of a change.

Names are compared by their skeleton (`skeleton`): NFKC, format characters (zero-width spaces and joiners, bidi
marks) dropped, case-folded, accents dropped, and the Cyrillic and Greek letters that look like Latin ones mapped
to them — so `Аna` (Cyrillic А), `A\u200bna` and `ANA` are all `ana`. A bot is a name or e-mail whose skeleton has
a word such as `bot` or `automation`, or is a known automation account (`ci`, `dependabot`, `github-actions`, …).

Git runs without a shell, with a timeout, reading the repo's history only: the repo and its config are untrusted,
so every call turns off what config could make git execute (fsmonitor, hooks, signature checks, pagers) and reads
raw author names (`%an`/`%ae`), not names rewritten by a committed `.mailmap`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

# Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables.txt, the lower-case letters a name can be
# spelled with). Applied after case-folding, so upper-case look-alikes arrive here folded.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k", "ӏ": "l",
        "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "с": "c", "ѕ": "s", "т": "t", "у": "y", "ԝ": "w",
        "х": "x", "ү": "y", "ԁ": "d", "ɡ": "g", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k",
        "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ѡ": "w", "ı": "i", "ℓ": "l",
    }
)  # fmt: skip
# Words that mark an automation account wherever they appear in a name or an e-mail address.
_BOT_WORDS = frozenset({"bot", "bots", "automation", "automated", "robot"})
# Whole accounts that act for automation (compared with separators removed: `github-actions` → `githubactions`).
_BOT_ACCOUNTS = frozenset(
    {
        "ci", "cd", "cicd", "githubactions", "dependabot", "renovate", "renovatebot", "scaffold", "mergify", "snyk",
        "jenkins", "buildkite", "circleci", "travis", "gitlabci", "codecov", "semanticrelease", "changesetbot",
        "kodiakhq", "imgbot", "allcontributors", "greenkeeper", "pyupbot", "deepsource", "sonarcloud", "copilot",
    }
)  # fmt: skip
GIT_TIMEOUT_SECONDS = 10.0
# Options that keep a hostile repo config from making git run anything while it reads the history.
_SAFE_OPTIONS = (
    "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "log.showSignature=false",
    "-c", "core.pager=cat", "-c", "log.mailmap=false", "--no-pager", "--no-optional-locks", "--literal-pathspecs",
)  # fmt: skip
# Variables that would point git at another repo or add config (a parent git hook sets some of them).
_REDIRECTING_ENVIRONMENT = frozenset(
    {
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_EXTERNAL_DIFF",
        "GIT_PAGER", "GIT_SSH_COMMAND",
    }
)  # fmt: skip
# Where a change starts: the merge base of HEAD with the first of these that exists (SCAFFOLD_BASE_REF first).
BASE_REFS = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


def skeleton(text: str) -> str:
    """`text` reduced to what a reader sees: see the module docstring."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf").casefold()
    folded = unicodedata.normalize("NFKD", folded.translate(_CONFUSABLES))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_CONFUSABLES)
    return " ".join(folded.split())


def is_bot(name: str) -> bool:
    """True for an automation account: `ci-bot`, `CI Bot`, `bot@example.com`, `dependabot[bot]`, `github-actions`,
    and the same spelled with look-alike letters or zero-width characters. Only the name and the e-mail's local
    part count: `ana@users.noreply.github.com` is a person."""
    person = Person.parse(name)
    for part in (person.name, person.email.rsplit("@", 1)[0]):
        plain = skeleton(part)
        words = re.findall(r"[a-z0-9]+", plain)
        if "[bot]" in plain or _BOT_WORDS.intersection(words) or "".join(words) in _BOT_ACCOUNTS:
            return True
    return False


@dataclass(frozen=True)
class Person:
    """A name and an e-mail address, either possibly empty; `Ana <ana@example.com>`, `Ana` or `ana@example.com`."""

    name: str
    email: str

    @classmethod
    def parse(cls, text: str) -> Person:
        match = re.fullmatch(r"\s*(.*?)\s*<([^<>]*)>\s*", text)
        if match:
            return cls(match[1], match[2].strip())
        text = text.strip()
        return cls("", text) if re.fullmatch(r"[^\s@]+@[^\s@]+", text) else cls(text, "")

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email

    def same_as(self, other: Person) -> bool:
        """The same person when the names or the e-mail addresses read the same (see `skeleton`)."""
        names = skeleton(self.name), skeleton(other.name)
        emails = skeleton(self.email), skeleton(other.email)
        return bool(names[0] and names[0] == names[1]) or bool(emails[0] and emails[0] == emails[1])


# --- git -----------------------------------------------------------------------------------------------------
class GitUnavailable(Exception):
    """git is not installed, the folder is not a work tree git will read, or git failed or timed out."""


def _git(root: Path, *arguments: str) -> str:
    executable = shutil.which("git")
    if executable is None:
        raise GitUnavailable("git is not installed")
    environment = {k: v for k, v in os.environ.items() if k not in _REDIRECTING_ENVIRONMENT}
    environment.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    try:
        completed = subprocess.run(
            [executable, *_SAFE_OPTIONS, *arguments],
            cwd=root,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GitUnavailable(f"git {arguments[0]} failed: {error}") from None
    if completed.returncode != 0:
        first = completed.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise GitUnavailable(f"git {arguments[0]}: {first[0] if first else f'exit {completed.returncode}'}")
    return completed.stdout.decode("utf-8", "replace")


def run_git(root: Path, *arguments: str) -> str:
    """git's output for `arguments`, run as every git call of the verifier is: no shell, no hooks, fsmonitor, pager
    or redirecting environment, a timeout. Raises GitUnavailable."""
    return _git(root, *arguments)


def git_identity(root: Path) -> Person | None:
    """The git user (`user.name`, `user.email`) as git sees it in `root`; None when git is missing or it has none."""
    if shutil.which("git") is None:
        return None
    name, email = _config(root, "user.name"), _config(root, "user.email")
    return Person(name, email) if name or email else None


def _config(root: Path, key: str) -> str:
    try:
        return _git(root, "config", "--get", key).strip()
    except GitUnavailable:  # unset (exit 1), or git cannot read this folder's config
        return ""


@dataclass(frozen=True)
class Change:
    """The authors of the commits a sign-off covers, and which commits those are (for messages)."""

    authors: tuple[Person, ...]
    described: str  # e.g. "the commits since the merge base with origin/main"

    def includes(self, person: Person) -> bool:
        return any(person.same_as(author) for author in self.authors)


class History:
    """The repo's git history, read once per verify (or attest) and asked about many sets of covered files.

    The change a sign-off covers is the commits between the merge base of HEAD with the base branch
    (SCAFFOLD_BASE_REF, else the first of BASE_REFS that exists and is not HEAD itself) and HEAD, merges left out;
    when there is no such base, or none of those commits touched the covered files, it is the last commit that
    touched them. Uncommitted edits to covered files count as the git user's. An author is the commit's author or a
    `Co-authored-by` trailer. Methods raise GitUnavailable."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._range: tuple[str, dict[str, list[Person]]] | None = None
        self._committed: dict[str, str] | None = None

    def change(self, paths: Sequence[str], every_file: Collection[str] = ()) -> Change:
        """The change to the covered `paths`. `every_file`: the repo's files, so that a folder whose files are all
        covered is asked about as a folder (one pathspec instead of hundreds, and its deleted files count too)."""
        if not paths:
            return Change((), "no covered file")
        folders, files = _pathspecs(paths, every_file)
        base_name, touched = self._ranged()
        authors = [
            person
            for path, people in touched.items()
            if path in files or any(path.startswith(folder) for folder in folders)
            for person in people
        ]
        described = f"the commits since the merge base with {base_name}"
        if not authors:
            specs = [folder.rstrip("/") for folder in folders] + sorted(files)
            authors = [person for commit in self._log(["-1"], specs) for person in commit[0]]
            described = "the last commit that changed its files"
        if self._uncommitted(paths):
            user = git_identity(self.root)
            if user is not None:
                authors.append(user)
            described += " and uncommitted edits"
        return Change(tuple(dict.fromkeys(authors)), described)

    def _ranged(self) -> tuple[str, dict[str, list[Person]]]:
        if self._range is None:
            base, base_name = _merge_base(self.root)
            touched: dict[str, list[Person]] = {}
            if base is not None:
                for people, files in self._log(["--no-merges", f"{base}..HEAD"], []):
                    for path in files:
                        touched.setdefault(path, []).extend(people)
            self._range = base_name, touched
        return self._range

    def _log(self, selector: list[str], paths: Sequence[str]) -> list[tuple[list[Person], list[str]]]:
        output = _git(
            self.root,
            "log",
            *selector,
            "--relative",
            "--name-only",
            "-z",
            "--format=\x1e%an\x1f%ae\x1f%(trailers:key=Co-authored-by,valueonly,separator=%x1f)",
            "--",
            *paths,
        )
        commits = []
        for chunk in output.split("\x1e")[1:]:
            header, _, rest = chunk.partition("\0")
            fields = header.split("\x1f")
            people = [Person(fields[0], fields[1] if len(fields) > 1 else "")]
            people += [Person.parse(extra) for extra in fields[2:] if extra.strip()]
            commits.append((people, [name for name in rest.lstrip("\n").split("\0") if name]))
        return commits

    def _uncommitted(self, paths: Sequence[str]) -> bool:
        """True when a covered file differs from HEAD. Compares git's blob ids with the working tree's bytes in
        Python, so no clean filter or fsmonitor from the repo's config runs (a filtered file just reads as edited)."""
        if self._committed is None:
            self._committed = {}
            for entry in _git(self.root, "ls-tree", "-r", "-z", "HEAD").split("\0"):
                if "\t" in entry:
                    meta, path = entry.split("\t", 1)
                    self._committed[path] = meta.split()[-1]
        for path in paths:
            try:
                data = (self.root / path).read_bytes()
            except OSError:
                return True
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
            if self._committed.get(path) != blob:
                return True
        return False


def _pathspecs(paths: Sequence[str], every_file: Collection[str]) -> tuple[list[str], set[str]]:
    """`paths` as the outermost folders (ending in `/`) all of whose files in `every_file` are covered, and the
    covered files outside such folders."""
    covered = set(paths)
    total: Counter[str] = Counter()
    included: Counter[str] = Counter()
    for path in set(every_file) | covered:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth]) + "/"
            total[folder] += 1
            included[folder] += path in covered
    folders: set[str] = set()
    files: set[str] = set()
    for path in covered:
        parts = path.split("/")[:-1]
        whole = next(
            (
                "/".join(parts[:depth]) + "/"
                for depth in range(1, len(parts) + 1)
                if total["/".join(parts[:depth]) + "/"] == included["/".join(parts[:depth]) + "/"]
            ),
            None,
        )
        if whole:
            folders.add(whole)
        else:
            files.add(path)
    return sorted(folders), files


def _merge_base(root: Path) -> tuple[str | None, str]:
    wanted = os.environ.get("SCAFFOLD_BASE_REF", "").strip()
    head = _git(root, "rev-parse", "--verify", "HEAD").strip()
    for ref in ([wanted] if wanted else []) + list(BASE_REFS):
        if ref.startswith("-"):
            continue
        try:
            base = _git(root, "merge-base", "HEAD", ref).strip()
        except GitUnavailable:
            continue
        if base and base != head:
            return base, ref
    return None, ""
