"""var/venv: the Python that scripts/setup prepares for the tests and tools (PyMySQL, pytest)."""

import os
import sys

from .stack import ROOT

VENV = os.path.join(ROOT, "var", "venv")
PYTHON = os.path.join(VENV, "bin", "python")


def use_venv():
    """Runs the calling script again on var/venv's Python when another Python started it (a script
    started as `scripts/lib/stack …` or `scripts/eval-retrieval` runs on the system's python3). Without
    var/venv this does nothing; Database then says to run scripts/setup."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV) or not os.access(PYTHON, os.X_OK):
        return
    os.execv(PYTHON, [PYTHON, os.path.abspath(sys.argv[0]), *sys.argv[1:]])
