"""`python -m scheduler` is the `policy-archive` command."""

from scheduler.cli import app

app(prog_name="policy-archive")
