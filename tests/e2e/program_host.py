"""Serve the project's program to the Pulumi CLI: `pulumi preview --client=127.0.0.1:<port>`.

Why this exists: `pulumi` starts a Python program through the `pulumi-language-python` plugin, and
the Go module proxy here does not serve `github.com/pulumi/pulumi/sdk/python/cmd/
pulumi-language-python/v3` at any version (engine/README.md). The pinned Python SDK ships the
same language-runtime protocol itself (`pulumi.automation`'s `LanguageServer`, which inline
Automation API programs use), and the CLI connects to it with `--client`. So the CLI, the engine,
the provider, the policy pack and the stack file are all real; only the process that runs
`__main__.py` differs from a user's run. A `pulumi-language-python` on PATH makes this unneeded
(tests/e2e/conftest.py then runs the CLI without `--client`).

Run: `python -m tests.e2e.program_host`; it prints its port on the first line, then serves until
its standard input closes.
"""

from __future__ import annotations

import runpy
import sys
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]  # grpcio ships no type stubs
from pulumi.automation._server import LanguageServer
from pulumi.runtime import settings
from pulumi.runtime.proto import language_pb2_grpc

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROGRAM = PROJECT_ROOT / "__main__.py"


class Host(LanguageServer):
    """The SDK's language server, also telling the program its project root (the folder of
    Pulumi.yaml), as `pulumi-language-python-exec` does with `--root_directory`."""

    def __init__(self) -> None:
        super().__init__(self.run_program)
        self.root_directory: str | None = None

    def Run(self, request: Any, context: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        self.root_directory = request.info.root_directory or None
        return super().Run(request, context)  # type: ignore[no-untyped-call]

    def run_program(self) -> None:
        """The project's `__main__.py`, run as the language host runs it."""
        settings.SETTINGS.root_directory = self.root_directory
        runpy.run_path(str(PROGRAM), run_name="__main__")


def main() -> None:
    sys.path.insert(0, str(PROJECT_ROOT))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(Host(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    # The test closes our standard input when the CLI command is done.
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
