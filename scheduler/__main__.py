"""`python -m scheduler` is the `policy-archive` command."""

import gc

# Imports allocate most of what a command keeps for its whole life; scanning them over and over while they load costs
# a short command (a crawl of an unchanged site, `--help`) a good part of its time. `scheduler.cli` turns the collector
# back on, with everything loaded so far frozen out of its reach, once the command's imports are done.
gc.disable()

from scheduler import cli  # noqa: E402


def main() -> None:
    cli.STANDALONE = True
    cli.app(prog_name="policy-archive")


if __name__ == "__main__":
    main()
