"""Every part of the Pulumi Python SDK the offline plan uses that the SDK does not promise, in
one place, checked against the pinned SDK (requirements.txt).

The mock engine (`baseline.plan.mock_engine`) runs the program without the CLI. For that it needs
the SDK's mocks (public), plus things the SDK keeps private: a placeholder root stack so that
`set_mocks` does not finish a stack of its own, the runtime's sync bridge, the RPC bookkeeping
cleared between runs, and the wire format's markers of a secret and an unknown value.

`tests/baseline/test_sdk_internals.py` holds the contract. On an SDK upgrade it fails with the
SDK version and what moved, rather than breaking `make plan` somewhere inside a run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

__all__ = [
    "PINNED_SDK",
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "clear_run_state",
    "mocks",
    "placeholder_root",
    "run_program",
    "set_all_config",
]

# The SDK version these internals were checked against (requirements.txt).
PINNED_SDK = "3.272.0"

# How the engine's wire format marks a secret and a not-yet-known value (pulumi/runtime/rpc.py).
SIG_KEY: str = rpc._special_sig_key
SECRET_SIG: str = rpc._special_secret_sig
UNKNOWN: str = rpc.UNKNOWN

T = TypeVar("T")
_PLACEHOLDER_ROOT: Any = object()


@contextmanager
def placeholder_root() -> Iterator[None]:
    """While `set_mocks` runs: a root stack it takes as already there. Without one it registers
    a root stack of its own and finishes it at once, losing the program's exports; the program
    then runs inside the stack the CLI's entry point would create around it (`run_program`)."""
    settings.ROOT.set(_PLACEHOLDER_ROOT)
    try:
        yield
    finally:
        settings.ROOT.set(None)


def run_program(program: Callable[[], None]) -> None:
    """`program` inside a root stack, as the language host runs `__main__.py`, to the end."""
    _await(run_in_stack(program))


def _await(awaitable: Awaitable[T]) -> T:
    result: T = _sync_await(awaitable)
    return result


def clear_run_state() -> None:
    """Forget the finished run's RPCs and outputs, so that the next run in this process starts
    clean (the tests run the program many times)."""
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
