"""Facts several checks derive from the same files (a service's routes, its infra model, where telemetry
starts), computed once per RepoView. The RepoView caches parses; this caches what the checks make of them — and,
through `RepoView.memo`, notes what deriving a fact read as read by every check that asks for it."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from scaffold.verify.repo import RepoView

_T = TypeVar("_T")


def memo(repo: RepoView, key: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()` the first time `key` is asked for this repo view, the remembered value after that."""
    return repo.memo(key, compute)
