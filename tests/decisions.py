"""Counts the verifier's full decisions (`scaffold.verify.cli._decide`, one per run that checks rather than replays
the report cache): the test helper the warm-run, cache-truth and per-subject-result tests share."""

from __future__ import annotations

import pytest


def count_decisions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gains an entry each time a run decides the checks afresh (a warm, cached run adds none)."""
    from scaffold.verify import cli

    decided: list[int] = []
    real_decide = cli._decide

    def counting_decide(*args: object, **kwargs: object) -> tuple[str, int]:
        decided.append(1)
        return real_decide(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "_decide", counting_decide)
    return decided
