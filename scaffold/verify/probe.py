"""`scaffold verify --probe`: the deploy evidence that can be checked live — GET /healthz on each stage.

SVC-DEP-05 (dev) and SVC-DEP-07 (staging) are decided by the probe instead of recorded evidence: 200 passes, any
other answer or no answer fails. The hostnames come from each service's infra.ts; `--probe-url
SERVICE:STAGE=URL` points a probe elsewhere (a tunnel, a local server).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import replace

from scaffold import platform
from scaffold.errors import ScaffoldError
from scaffold.verify.model import Finding, Kind, Status
from scaffold.verify.repo import RepoView

PROBED = {"SVC-DEP-05": "dev", "SVC-DEP-07": "staging"}
TIMEOUT_SECONDS = 5.0


def parse_overrides(values: Sequence[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for value in values:
        target, separator, url = value.partition("=")
        if not separator or ":" not in target or not url.startswith(("http://", "https://")):
            raise ScaffoldError(f"--probe-url {value!r}: expected SERVICE:STAGE=http(s)://HOST[:PORT]")
        overrides[target] = url.rstrip("/")
    return overrides


def healthz(base_url: str, timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
    url = f"{base_url}{platform.HEALTH_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        return False, f"GET {url} got no answer ({reason})"
    return status == 200, f"GET {url} answered {status}"


def apply_probes(
    findings: Sequence[Finding], repo: RepoView, overrides: Mapping[str, str], *, declared_hosts: bool
) -> list[Finding]:
    """Probe the selected SVC-DEP-05/07 items: the overrides, and with `declared_hosts` infra.ts's hostnames."""
    from scaffold.checks._infra import Infra, load_infra

    selected = {f.check_id for f in findings}
    probed: dict[tuple[str, str], Finding] = {}
    for subject in repo.subjects(Kind.SERVICE):
        infra = load_infra("SVC-DEP-05", repo, subject)
        hostnames = infra.hostnames() if isinstance(infra, Infra) else {}
        for check_id, stage in PROBED.items():
            if check_id not in selected:
                continue
            base = overrides.get(f"{subject.name}:{stage}")
            if base is None and declared_hosts and hostnames.get(stage):
                base = f"https://{hostnames[stage]}"
            if base is None:
                continue
            ok, detail = healthz(base)
            status = Status.PASS if ok else Status.FAIL
            fix = None if ok else f"deploy {subject.name} to {stage} (or fix it) until /healthz answers 200"
            probed[(check_id, subject.label)] = Finding(
                check_id, status, f"probed: {detail}", fix=fix, subject=subject.label
            )
    result = [f for f in findings if (f.check_id, f.subject or "") not in probed]
    return result + [replace(f) for f in probed.values()]
