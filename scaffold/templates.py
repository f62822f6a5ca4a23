"""Rendering the copier templates bundled with scaffold, and recording where `copier update` finds them.

The templates live in this repo (`copier.yml` at the root chooses `templates/<kind>` by the `kind` answer); a built
wheel carries the same two under `scaffold/_templates/` (pyproject.toml maps them in), and `templates_root()` finds
either layout. To keep renders fast and independent of this checkout's git state, the needed kind is copied to a
plain temporary folder and rendered from there; the answers file then records the git source and tag that hold
exactly these templates (`_src_path`, `_commit: v<version>`), so a generated project pulls later template versions
with `copier update`.
"""

from __future__ import annotations

import functools
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from scaffold import __version__, platform
from scaffold.errors import ScaffoldError

ANSWERS_FILE = platform.COPIER_ANSWERS
TEMPLATES_REF = f"v{__version__}"


@functools.cache
def templates_root() -> Path:
    """The folder holding copier.yml and templates/<kind>/: scaffold/_templates in an installed wheel, else the top
    of the checkout scaffold runs from (development and editable installs)."""
    package = Path(__file__).resolve().parent
    candidates = (package / "_templates", package.parent)
    for candidate in candidates:
        if (candidate / "copier.yml").is_file() and (candidate / "templates").is_dir():
            return candidate
    raise ScaffoldError(
        f"scaffold's templates are missing (no copier.yml and templates/ in {' or '.join(map(str, candidates))}): "
        "this installation is incomplete; reinstall scaffold"
    )


def template_dir(kind: str) -> Path:
    """The folder of one template (`service`, `service-extras`, `platform`, …)."""
    return templates_root() / "templates" / kind


def render_extra(template: str, context: Mapping[str, Any]) -> str:
    """One snippet or file of templates/service-extras (what generators add to existing services), rendered with
    the free-text filters; an unknown variable is an error, not an empty string."""
    import jinja2

    from scaffold.generators import free_text

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir("service-extras")),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return free_text.register_filters(environment).get_template(template).render(context)


def render(
    kind: str, data: dict[str, Any], templates_url: str | None, templates_ref: str = TEMPLATES_REF
) -> dict[str, bytes]:
    """Render template `kind` with `data`; return every file as {relative path: bytes}. Writes only to temp dirs.
    Without a `templates_url` (none known yet: scaffold/template_source.py) the answers file records no `_src_path`;
    `scaffold config templates-url` adds it later."""
    import copier  # ~230 ms to import: only when rendering

    with _scratch_folder() as scratch:
        source = Path(scratch) / "template"
        (source / "templates").mkdir(parents=True)
        shutil.copy2(templates_root() / "copier.yml", source / "copier.yml")
        shutil.copytree(template_dir(kind), source / "templates" / kind)
        target = Path(scratch) / "out"
        with _temporary_files_in(Path(scratch) / "tmp"):
            copier.run_copy(
                str(source),
                str(target),
                data={"kind": kind, **data},
                defaults=True,
                quiet=True,
                unsafe=False,
                overwrite=True,
            )
        files = {
            path.relative_to(target).as_posix(): path.read_bytes()
            for path in sorted(target.rglob("*"))
            if path.is_file()
        }
    answers = files.get(ANSWERS_FILE)
    if answers is not None:
        files[ANSWERS_FILE] = _record_source(answers, templates_url, templates_ref)
    return files


@contextmanager
def _scratch_folder() -> Iterator[str]:
    """A temporary folder removed on every exit that Python sees — an error, Ctrl-C, SIGTERM or SIGHUP (raised as
    exceptions by scaffold/cli.py) — including one that arrives just after the folder is made: those signals are
    blocked from before the folder exists until the block that removes it has begun. (SIGKILL cannot be seen.)"""
    signals = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        folder = tempfile.mkdtemp(prefix="scaffold-render-")
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a pending signal is raised from here on
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def _temporary_files_in(folder: Path) -> Iterator[None]:
    """Copier's own temporary folders (its git-bundle probe, for one) are made inside `folder`, in the scratch folder,
    so they go with it however the render ends: a signal that arrives while copier holds one would otherwise leave it
    behind in $TMPDIR."""
    folder.mkdir()
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous


def _record_source(answers_file: bytes, templates_url: str | None, templates_ref: str) -> bytes:
    header, _, _ = answers_file.decode("utf-8").partition("\n")
    answers = yaml.safe_load(answers_file) or {}
    answers["_commit"] = templates_ref
    answers.pop("_src_path", None)  # the scratch folder it was rendered from
    if templates_url:
        answers["_src_path"] = templates_url
    ordered = dict(sorted(answers.items()))
    body = yaml.safe_dump(ordered, sort_keys=False, default_flow_style=False)
    return f"{header}\n{body}".encode() if header.startswith("#") else body.encode()
