"""`python -m replica`: serve the replica site until Ctrl-C or SIGTERM, one log line per request."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import threading

from replica.site import ReplicaSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--per-page", type=int, default=10)
    parser.add_argument("--generated", type=int, default=0, metavar="N",
                        help="serve N generated articles instead of the bundled ones (benchmarks)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    articles = None
    if args.generated:
        from replica.generated import generate_articles

        articles = generate_articles(args.generated)
    with ReplicaSite(args.host, args.port, articles=articles, per_page=args.per_page) as site:
        print(f"replica site at {site.base_url}/ (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
