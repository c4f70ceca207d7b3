"""
``python -m autofit_csv``: the ``autofit-csv`` command.
"""
import sys

from autofit_csv.cli import main

if __name__ == "__main__":
    sys.exit(main())
