"""Companin's local stack as code: a private MariaDB, the FastCGI pool and nginx under one VAR
directory (Stack), SQL for tests and tools (Database), and the command line behind scripts/lib/stack
(`python3 -m companin_stack VAR COMMAND`)."""

from .database import Database, DatabaseError
from .processes import StackError, free_port, port_open, wait_for
from .stack import ROOT, Stack

__all__ = ["Database", "DatabaseError", "ROOT", "Stack", "StackError", "free_port", "port_open", "wait_for"]
