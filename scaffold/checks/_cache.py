"""Facts several checks derive from the same files (a service's routes, its infra model, where telemetry
starts), computed once per RepoView. The RepoView caches parses; this caches what the checks make of them."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar
from weakref import WeakKeyDictionary

from scaffold.verify.repo import RepoView

_T = TypeVar("_T")
_MEMO: WeakKeyDictionary[RepoView, dict[Hashable, object]] = WeakKeyDictionary()


def memo(repo: RepoView, key: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()` the first time `key` is asked for this repo view, the remembered value after that."""
    memory = _MEMO.setdefault(repo, {})
    if key not in memory:
        memory[key] = compute()
    return memory[key]  # type: ignore[return-value]
