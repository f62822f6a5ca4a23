"""`scaffold new job NAME`."""

from __future__ import annotations

import argparse


def register(kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Registered once the job generator lands."""
