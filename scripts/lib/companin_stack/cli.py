"""The stack's command line: scripts/lib/stack VAR COMMAND (or python3 -m companin_stack VAR COMMAND).

Settings saved by save-config (VAR/stack.env) are defaults for every command; the environment
overrides them (e.g. COMPANIN_FLOOD_RATE=1r/s COMPANIN_FLOOD_BURST=1 scripts/lib/stack VAR nginx-restart).
Errors are printed as `stack: error: …` and exit with status 1; usage errors with status 2.
"""

import os
import sys

from . import demo
from .processes import StackError, free_port, port_open
from .stack import Stack

USAGE = """\
usage: scripts/lib/stack VAR_DIR COMMAND
  mariadb-start | mariadb-stop | mariadb-restart | mariadb-create-db NAME
  mariadb-start-replica PRIMARY_VAR | replica-wait PRIMARY_VAR | replica-sql-stop | replica-sql-start
  pool-start | pool-stop | pool-restart | pool-wait
  nginx-start | nginx-stop | nginx-restart
  stop-all | status | env | tail-logs [LINES] | sql [MARIADB-CLIENT-ARGS...]
  save-config | database-url [NAME] | admin-database-url [NAME]
  demo-seed [--base-url URL] [--key-file FILE] [--marker FILE] [--timeout SECONDS]
            (the demo organization's knowledge, assistant and conversations, through the API; by
            default scripts/run's: http://127.0.0.1:$COMPANIN_HTTP_PORT, VAR/demo-api-key, VAR/demo-seeded)
       scripts/lib/stack [VAR_DIR] free-port
       scripts/lib/stack [VAR_DIR] port-in-use PORT   (exit status 0 when something listens on 127.0.0.1:PORT)
The profile (run or test) is STACK_PROFILE, else the saved one, else run.
A replication primary is a VAR whose server was first started with STACK_MARIADB_SERVER_ID and
STACK_MARIADB_PORT (a binary log, TCP on 127.0.0.1); mariadb-start-replica makes VAR_DIR's server its
read-only replica and waits until it has caught up.
"""

COMMANDS = {
    "mariadb-start": lambda stack, args: stack.mariadb_start(),
    "mariadb-stop": lambda stack, args: stack.mariadb_stop(),
    "mariadb-restart": lambda stack, args: stack.mariadb_restart(),
    "mariadb-create-db": lambda stack, args: stack.mariadb_create_database(args[0] if args else ""),
    "mariadb-start-replica": lambda stack, args: stack.mariadb_start_replica(_primary(args)),
    "replica-wait": lambda stack, args: stack.replica_wait(_primary(args)),
    "replica-sql-stop": lambda stack, args: stack.replica_sql_stop(),
    "replica-sql-start": lambda stack, args: stack.replica_sql_start(),
    "pool-start": lambda stack, args: stack.pool_start(),
    "pool-stop": lambda stack, args: stack.pool_stop(),
    "pool-restart": lambda stack, args: stack.pool_restart(),
    "pool-wait": lambda stack, args: stack.pool_wait(),
    "nginx-start": lambda stack, args: stack.nginx_start(),
    "nginx-stop": lambda stack, args: stack.nginx_stop(),
    "nginx-restart": lambda stack, args: stack.nginx_restart(),
    "stop-all": lambda stack, args: stack.stop_all(),
    "env": lambda stack, args: print("\n".join(stack.env_lines())),
    "status": lambda stack, args: print("\n".join(stack.status_lines())),
    "tail-logs": lambda stack, args: stack.tail_logs(_lines(args), out=sys.stdout),
    "sql": lambda stack, args: stack.sql_shell(args),
    "save-config": lambda stack, args: stack.save_config(),
    "database-url": lambda stack, args: print(stack.database_url(args[0] if args else "companin")),
    "admin-database-url": lambda stack, args: print(stack.admin_database_url(args[0] if args else "companin")),
    "demo-seed": lambda stack, args: _demo_seed(stack, args),
}


def _demo_seed(stack, args):
    """companin_stack.demo with scripts/run's defaults for this VAR."""
    defaults = {"prog": "scripts/lib/stack VAR demo-seed",
                "base_url": f"http://127.0.0.1:{stack.setting('COMPANIN_HTTP_PORT', '8080')}",
                "key_file": os.path.join(stack.var, "demo-api-key"),
                "marker": os.path.join(stack.var, "demo-seeded")}
    if demo.main(args, defaults) != 0:
        raise StackError("demo-seed failed (above); the demo data is not all there")


def _primary(args):
    """The primary's Stack, from the VAR directory given after the command."""
    if len(args) != 1:
        raise StackError("give the primary's VAR directory (scripts/lib/stack REPLICA_VAR COMMAND PRIMARY_VAR)")
    if not os.path.isdir(args[0]):
        raise StackError(f"no primary VAR directory {args[0]}")
    return Stack(args[0])


def _lines(args):
    if args and not args[0].isdigit():
        raise StackError(f"tail-logs: not a number of lines: {args[0]}")
    return int(args[0]) if args else 40


def usage(status):
    sys.stderr.write(USAGE)
    return status


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[1:2] in (["free-port"], ["port-in-use"]):
        argv = argv[1:]  # VAR free-port: the same as free-port
    try:
        if argv[:1] == ["free-port"]:
            print(free_port())
            return 0
        if argv[:1] == ["port-in-use"]:
            if len(argv) != 2 or not argv[1].isdigit():
                return usage(2)
            return 0 if port_open(int(argv[1])) else 1
        if argv[:1] in (["help"], ["-h"], ["--help"]):
            return usage(0)
        if len(argv) < 2:
            return usage(2)
        var, command, args = argv[0], argv[1], argv[2:]
        if command in ("help", "-h", "--help"):
            return usage(0)
        if command not in COMMANDS:
            return usage(2)
        COMMANDS[command](Stack(var), args)
        return 0
    except StackError as error:
        print(f"stack: error: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
