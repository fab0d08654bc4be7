"""`python -m generator.cli.commands`: the `trustsite` command."""

from generator.cli.commands import main

main()
