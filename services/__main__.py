"""`python -m services` is the `fundtrail` command, also where the console script is not on PATH."""

from services.cli import main

main(prog_name="fundtrail")
