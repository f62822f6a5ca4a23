"""The warm path of `scaffold verify`: when nothing a verdict depends on changed since the last run with the same
options, print the stored report instead of re-deciding 86 items.

The key covers the content, not the stat, of every file the verifier lists (each file's bytes hashed with blake2b:
an edit that keeps size and mtime is seen; a symlink contributes its target text and the target's identity, never
the bytes of a file outside the repo), the symlinked folders the listing skips, the commit git's HEAD names, the hash
of scaffold's own code and templates (not `__version__`: changed check code with the same version is a miss), and
the options. Time is not in the key: an entry is stored with the instant it was decided and the next instant at
which a verdict can change (the next UTC midnight — expiries are dates — or a freeze-window start or end, whichever
comes first) and is a miss outside that span.

One entry is kept, in .scaffold/cache/; the repo is not trusted, so the entry carries a keyed hash (blake2b with a
per-user secret kept outside every repo, in the user's cache folder, or with SCAFFOLD_CACHE_KEY where machines share
a cache): an entry edited by hand, committed to the repo or written by another user or machine without the shared
key does not verify and is ignored. Nothing here imports the checks on a hit, so
a hit stays cheap.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import stat
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from scaffold import platform
from scaffold.repofs.read import MAX_FILE_BYTES
from scaffold.verify.listing import Listing

KEY_FILE = "verify.key"  # the key, the span the report holds for, and the keyed hash over them and the report
REPORT_FILE = "verify.report"  # first line: exit status; then the report, as printed
SECRET_BYTES = 32
KEY_ENVIRONMENT_VARIABLE = "SCAFFOLD_CACHE_KEY"
_READ_CHUNK = 1 << 20
_MAX_ENTRY_BYTES = 1 << 30  # a cache entry larger than this is not ours


# --- the key ---------------------------------------------------------------------------------------------------
def fingerprint(root: Path, listing: Listing, options: Sequence[str], tokens: dict[str, str] | None = None) -> str:
    """The listed files' content (`listing.scan(root)`), scaffold's code, and the options, as one key. `tokens`,
    when given, receives each listed regular file's content token as `RepoView.input_token` spells it (so that the
    per-subject results need not read the files again)."""
    digest = hashlib.blake2b(digest_size=32)
    digest.update(code_digest())
    digest.update("\0".join(options).encode() + b"\0\0")
    prefix = os.path.join(root, "")
    for path in listing.paths:
        token = _content_token(prefix + path)
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0" + token)
        if tokens is not None and token[:1] == b"F" and len(token) == 17:
            tokens[path] = "F" + token[1:].hex()
    for path in listing.folder_links:
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0D" + _link_token(prefix + path))
    for path, reason in listing.refused:  # never opened: what the report says of them is the path and the reason
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0R" + reason.encode("utf-8", "surrogateescape"))
    digest.update(b"\0HEAD\0" + git_head(root))
    return digest.hexdigest()


def git_head(root: Path) -> bytes:
    """The commit the repo's HEAD names (.git is not listed, but sign-offs are checked against the history's
    authors): a new or amended commit is a miss even when no listed file changed. b"" outside git."""
    git = root / ".git"
    pointer = _read_regular(git, limit=4096)  # a worktree's or submodule's `.git` file: "gitdir: <path>"
    folder = Path(pointer.decode("utf-8", "replace")[len("gitdir:") :].strip()) if pointer else git
    if pointer and not folder.is_absolute():
        folder = root / folder
    head = (_read_regular(folder / "HEAD", limit=4096) or b"").strip()
    if not head.startswith(b"ref: "):
        return head  # detached: the commit id itself
    ref = head[5:].decode("utf-8", "replace")
    if not ref.startswith("refs/") or ".." in ref.split("/"):
        return head
    common = _read_regular(folder / "commondir", limit=4096)
    folders = [folder, *([folder / common.decode("utf-8", "replace").strip()] if common else [])]
    for where in folders:
        loose = _read_regular(where / ref, limit=4096)
        if loose is not None:
            return head + b"\0" + loose.strip()
    for where in folders:
        for line in (_read_regular(where / "packed-refs", limit=64 << 20) or b"").splitlines():
            if line.endswith(b" " + ref.encode()):
                return head + b"\0" + line.split(b" ", 1)[0]
    return head


def _content_token(path: str) -> bytes:
    """A regular file's content hash; for anything else, what it is — never blocking on a FIFO or a device, never
    following a link into a file's bytes."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
            return b"L" + _link_token(path)
        return b"E" + str(error.errno).encode()
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return b"S" + str(stat.S_IFMT(info.st_mode)).encode()
        content = hashlib.blake2b(digest_size=16)  # as repo.content_token
        wanted = min(info.st_size + 1, _READ_CHUNK)  # sized reads: most files take one, and no 1 MB buffer each
        while chunk := os.read(descriptor, wanted):
            content.update(chunk)
            if len(chunk) < wanted:  # a regular file's short read is its end
                break
        # a file the checks may not read (over the cap) is not handed to them as content (`fingerprint`'s tokens)
        return (b"F" if info.st_size <= MAX_FILE_BYTES else b"B") + content.digest()
    except OSError as error:
        return b"E" + str(error.errno).encode()
    finally:
        os.close(descriptor)


def _link_token(path: str) -> bytes:
    """A symlink: its target text, and the identity of what it reaches (a target inside the repo is listed and
    hashed itself; the checks do not read a target outside it). ctime is in it: no edit leaves it unchanged."""
    try:
        target = os.readlink(path)
    except OSError as error:
        return b"E" + str(error.errno).encode()
    try:
        info = os.stat(path)
    except OSError as error:
        return f"{target}\0E{error.errno}".encode("utf-8", "surrogateescape")
    identity = (info.st_mode, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return f"{target}\0{identity}".encode("utf-8", "surrogateescape")


# --- scaffold's own code -----------------------------------------------------------------------------------------
def code_digest() -> bytes:
    """A hash over scaffold's package files and templates (and what else decides a verdict from outside the repo:
    the Python version, the squawk binary, the installed packages). Hashing ~2 MB on every run would cost more than
    the rest of a hit, so the digest is kept in the user's cache folder under the stat of those files (they are
    scaffold's own, not the repo's; an install or an edit changes their ctime)."""
    files = _code_files()
    signature = hashlib.blake2b(digest_size=32)
    for path in files:
        info = os.stat(path)
        signature.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_ino}\n".encode())
    for extra in _environment():
        signature.update(extra.encode("utf-8", "surrogateescape") + b"\n")
    stamp = signature.hexdigest()
    folder = user_cache_dir()
    remembered = _read_regular(folder / f"code-{_location_id()}", limit=4096)
    if remembered is not None and remembered[:64].decode("ascii", "replace") == stamp and len(remembered) == 129:
        return bytes.fromhex(remembered[65:].decode("ascii"))
    digest = hashlib.blake2b(digest_size=32)
    for path in files:
        with open(path, "rb") as handle:
            digest.update(f"{path}\0".encode() + hashlib.blake2b(handle.read(), digest_size=32).digest())
    for extra in _environment():
        digest.update(extra.encode("utf-8", "surrogateescape") + b"\n")
    _write_private(folder, f"code-{_location_id()}", f"{stamp}\n{digest.hexdigest()}".encode("ascii"))
    return digest.digest()


def _code_files() -> list[str]:
    from scaffold.templates import templates_root

    templates = templates_root()
    package = os.path.dirname(os.path.abspath(sys.modules["scaffold"].__file__ or ""))
    found: list[str] = []
    for top in (package, str(templates / "templates")):
        for folder, folders, names in os.walk(top):
            folders[:] = sorted(name for name in folders if name != "__pycache__")
            found += (os.path.join(folder, name) for name in sorted(names) if not name.endswith((".pyc", ".pyo")))
    copier_yml = templates / "copier.yml"
    if copier_yml.is_file():
        found.append(str(copier_yml))
    return found


def _environment() -> Iterable[str]:
    yield sys.version
    from scaffold.parsers.executables import squawk_executable

    squawk = squawk_executable()
    for path in (squawk, *{sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}):
        try:
            info = os.stat(path) if path else None
        except OSError:
            info = None
        yield f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}" if info else f"{path}\0-"


def _location_id() -> str:
    package = os.path.dirname(os.path.abspath(sys.modules["scaffold"].__file__ or ""))
    return hashlib.blake2b(package.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


# --- time ----------------------------------------------------------------------------------------------------------
def valid_until(root: Path, paths: Sequence[str], decided_at: datetime) -> datetime:
    """The first instant after `decided_at` at which a verdict may change with no file changing: the next UTC
    midnight (attestation and waiver expiries are dates, and reports carry the date) or a freeze window's start or
    end (DEPLOY-04 windows can have a time of day)."""
    from scaffold.checks.deploy import freeze_window_boundaries
    from scaffold.verify.repo import RepoView

    midnight = datetime.combine(decided_at.date() + timedelta(days=1), time(), UTC)
    later = [moment for moment in freeze_window_boundaries(RepoView(root, listing=paths)) if moment > decided_at]
    return min([midnight, *later])


# --- the entry -------------------------------------------------------------------------------------------------
def load(root: Path, key: str, now: datetime) -> tuple[bytes, int] | None:
    """The stored report (UTF-8 bytes, handed on undecoded: it is only written out again) and exit status when
    `key` is the stored key, `now` falls in the span the report was stored for, and the entry's keyed hash
    verifies; else None."""
    secret = secret_key(create=False)
    if secret is None:
        return None
    folder = root / platform.VERIFY_CACHE_DIR
    header = _read_regular(folder / KEY_FILE, limit=4096)
    if header is None:
        return None
    signed, _, mac = header.rpartition(b"\n")
    fields = signed.decode("utf-8", "replace").split("\n")
    if len(fields) != 3 or fields[0] != key:
        return None
    try:
        valid_from, until = datetime.fromisoformat(fields[1]), datetime.fromisoformat(fields[2])
        if not valid_from <= now < until:
            return None
    except (TypeError, ValueError):  # unparsable, or naive and so not comparable with an aware `now`
        return None
    body = _read_regular(folder / REPORT_FILE, limit=_MAX_ENTRY_BYTES)
    if body is None or not hmac.compare_digest(_mac(secret, signed, body), mac):
        return None
    status, _, report = body.partition(b"\n")
    try:
        return report, int(status)
    except ValueError:
        return None


def store(root: Path, key: str, report: str, status: int, valid_from: datetime, until: datetime) -> None:
    """Keep the report for the next run — only when no other scaffold command holds the repo lock (a writer is
    changing the tree: skip rather than wait), never through a symlink, and atomically (the key is removed first and
    written last, so a crash between the writes leaves no stale match). Any failure just skips the store."""
    from scaffold.errors import ScaffoldError
    from scaffold.repofs.lock import repo_lock
    from scaffold.repofs.write import open_folder, write_atomic

    secret = secret_key(create=True)
    if secret is None or not valid_from < until:
        return  # no private place for the secret (or nothing to keep): every run is cold
    body = f"{status}\n{report}".encode()
    signed = f"{key}\n{valid_from.isoformat()}\n{until.isoformat()}".encode()
    folder = platform.VERIFY_CACHE_DIR
    try:
        with repo_lock(root, "store the report", wait=False) as held:
            if not held:
                return
            with open_folder(root, folder, create=True) as (descriptor, _), contextlib.suppress(FileNotFoundError):
                os.unlink(KEY_FILE, dir_fd=descriptor)  # a symlink here is removed, never followed
            # No fsync: a cache lost in a power cut is only a cold run.
            write_atomic(root, f"{folder}/{REPORT_FILE}", body, fsync=False)
            write_atomic(root, f"{folder}/{KEY_FILE}", signed + b"\n" + _mac(secret, signed, body), fsync=False)
    except (OSError, ScaffoldError):
        pass  # a read-only checkout, a symlink in the way, a full disk: the next run is cold


def _mac(secret: bytes, signed: bytes, body: bytes) -> bytes:
    keyed = hashlib.blake2b(signed + b"\0", key=secret, digest_size=32)
    keyed.update(body)
    return keyed.hexdigest().encode("ascii")


# --- the user's cache folder (trusted: outside every repo) -------------------------------------------------------
def user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scaffold"


def secret_key(create: bool = True) -> bytes | None:
    """The key cache entries are signed with: SCAFFOLD_CACHE_KEY when set (a secret the machines that share a cache
    share — CI runners restoring one cache folder), else this user's own secret (entries from another user or
    machine are then ignored); None when neither is to be had."""
    shared = os.environ.get(KEY_ENVIRONMENT_VARIABLE, "")
    if shared:
        return hashlib.blake2b(shared.encode("utf-8", "surrogateescape"), digest_size=SECRET_BYTES).digest()
    return _secret(create)


def _secret(create: bool) -> bytes | None:
    folder = user_cache_dir()
    secret = _read_regular(folder / "secret", limit=SECRET_BYTES + 1, private=True)
    if secret is None and create:
        _write_private(folder, "secret", os.urandom(SECRET_BYTES), replace=False)
        secret = _read_regular(folder / "secret", limit=SECRET_BYTES + 1, private=True)
    return secret if secret is not None and len(secret) == SECRET_BYTES else None


def _read_regular(path: Path, limit: int, private: bool = False) -> bytes | None:
    """The bytes of `path` when it is a regular file (not a link, FIFO or device) of at most `limit` bytes — and,
    when `private`, owned by this user and readable by no one else; else None."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        if private and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            return None
        chunks = []
        while chunk := os.read(descriptor, _READ_CHUNK):
            chunks.append(chunk)
        data = b"".join(chunks)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _write_private(folder: Path, name: str, data: bytes, replace: bool = True) -> None:
    """Write `data` to folder/name, readable by this user only, through a fresh temporary file: readers never see
    a half-written file, and `replace=False` keeps whatever another process put there first."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = folder / f".{name}.{os.getpid()}.{os.urandom(6).hex()}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            if replace:
                os.replace(temporary, folder / name)
            else:
                with contextlib.suppress(FileExistsError):  # another process was first: keep its
                    os.link(temporary, folder / name)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError:
        pass  # no writable cache folder: the caller works without it
