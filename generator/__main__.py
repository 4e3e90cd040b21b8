"""`python -m generator` runs the same CLI as the `digest` console script."""

from generator.cli import main

main()
