"""Kartlegging's command-line entry: see `python main.py --help`."""

import sys

from intake.cli import main

if __name__ == "__main__":
    sys.exit(main())
