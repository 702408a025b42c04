"""``python -m patrolgate`` runs the command line."""

from patrolgate.cli import main

main()
