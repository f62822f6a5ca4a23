"""Facts several checks derive from the same files (a service's routes, its infra model, where telemetry
starts), computed once per RepoView. The RepoView caches parses; this caches what the checks make of them."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar
from weakref import ReferenceType, WeakKeyDictionary, ref

from scaffold.verify.repo import RepoView

_T = TypeVar("_T")
_MEMO: WeakKeyDictionary[RepoView, dict[Hashable, object]] = WeakKeyDictionary()
# The view asked about last and its memory: a run asks about one view hundreds of thousands of times, and each
# look-up in `_MEMO` makes a weak reference. Emptied when that view goes, so its memory does not outlive it.
_LAST: list[tuple[ReferenceType[RepoView], dict[Hashable, object]]] = []


def _memory(repo: RepoView) -> dict[Hashable, object]:
    if _LAST and _LAST[0][0]() is repo:
        return _LAST[0][1]
    memory = _MEMO.setdefault(repo, {})
    _LAST[:] = [(ref(repo, lambda _gone: _LAST.clear()), memory)]
    return memory


def memo(repo: RepoView, key: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()` the first time `key` is asked for this repo view, the remembered value after that."""
    memory = _memory(repo)
    if key not in memory:
        memory[key] = compute()
    return memory[key]  # type: ignore[return-value]
