"""Run the double on its own: prints its base URL, serves until killed.

    python -m testing.github_double --org example-org --token test-token=user:octo-admin \\
        --token app-token=app:4242:baseline-bot --state-file /tmp/github-state.json

Give the printed URL to the provider as github:baseUrl. State and request log are served at
`<url>_double/state` and `<url>_double/log`; `--state-file` also keeps the state in a file,
rewritten after each request and on exit.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from testing.github_double.models import Actor, App, User
from testing.github_double.server import GitHubDouble


def parse_token(text: str) -> tuple[str, Actor]:
    """`TOKEN=user:LOGIN` or `TOKEN=app:APP_ID[:SLUG]`."""
    token, _, actor = text.partition("=")
    kind, _, rest = actor.partition(":")
    if not token or not rest or kind not in ("user", "app"):
        raise argparse.ArgumentTypeError(
            f"--token {text!r}: expected TOKEN=user:LOGIN or TOKEN=app:APP_ID[:SLUG]"
        )
    if kind == "user":
        return token, User(rest)
    app_id, _, slug = rest.partition(":")
    if not app_id.isdigit():
        raise argparse.ArgumentTypeError(f"--token {text!r}: APP_ID must be a number")
    return token, App(int(app_id), slug or "automation")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testing.github_double", description=__doc__)
    parser.add_argument("--org", default="example-org")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--token",
        type=parse_token,
        action="append",
        default=[],
        help="TOKEN=user:LOGIN or TOKEN=app:APP_ID[:SLUG]; default test-token=user:octo-admin",
    )
    parser.add_argument("--state-file", type=Path)
    args = parser.parse_args(argv)
    tokens = dict(args.token or [("test-token", User("octo-admin"))])

    double = GitHubDouble(args.org, tokens, port=args.port).start()
    state_file: Path | None = args.state_file

    def save() -> None:
        if state_file is not None:
            state_file.write_text(json.dumps(double.state(), indent=2) + "\n", encoding="utf-8")

    def stop(signum: int, frame: FrameType | None) -> None:
        save()
        double.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    save()
    print(double.url, flush=True)
    for token, actor in tokens.items():
        print(f"token {token}: {actor}", file=sys.stderr, flush=True)
    seen = 0
    while True:
        time.sleep(0.2)
        if len(double.log) != seen:
            seen = len(double.log)
            save()


if __name__ == "__main__":
    raise SystemExit(main())
