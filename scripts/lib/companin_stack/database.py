"""SQL against the stack's MariaDB (or any server named by a mariadb:// URL) through PyMySQL, the
one dependency outside the standard library (pinned in scripts/python-requirements.txt, installed by
scripts/setup into var/venv).

    db = Database("mariadb://companin:…@localhost/companin?socket=/…/mariadb.sock")
    db.query("SELECT id, name FROM assistants WHERE organization_id = %s", [org])   # [{"id": …, "name": …}]
    db.scalar("SELECT COUNT(*) FROM messages WHERE conversation_id = %s", [cid])     # 2
    db.execute("UPDATE messages SET content = %s WHERE id = %s", ["changed", mid])  # rows affected
    with db.session() as s:   # several statements on one connection
        s.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
        rows = s.query("SELECT …")

Values are bound parameters (`%s`, PyMySQL's paramstyle: a literal percent sign is `%%` when
parameters are given), never formatted into the text. Each call outside a session opens a connection
of its own and closes it, so a restarted server is simply reconnected to. Autocommit is on.
"""

import contextlib
import urllib.parse

from .processes import StackError

try:
    import pymysql
    import pymysql.cursors
except ImportError:  # reported when a connection is first needed
    pymysql = None

# What a failed statement raises (PyMySQL's base class of errors from the server or the connection).
DatabaseError = pymysql.err.MySQLError if pymysql is not None else StackError


def _driver():
    if pymysql is None:
        raise StackError("PyMySQL is not installed: run scripts/setup, which installs it into var/venv "
                         "(scripts/python-requirements.txt), and use var/venv/bin/python")
    return pymysql


def connection_options(url):
    """PyMySQL's connect() arguments for a mariadb:// (or mysql://) URL: user, password, host or
    ?socket=, database, and connect_timeout/read_timeout/write_timeout from the query."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mariadb", "mysql"):
        raise StackError(f"not a mariadb:// URL: {parts.scheme}://…")
    query = urllib.parse.parse_qs(parts.query)
    options = {
        "user": urllib.parse.unquote(parts.username or ""),
        "password": urllib.parse.unquote(parts.password or ""),
        "database": urllib.parse.unquote(parts.path.lstrip("/")) or None,
    }
    if "socket" in query:
        options["unix_socket"] = query["socket"][0]
    else:
        options["host"] = parts.hostname or "localhost"
        options["port"] = parts.port or 3306
    for name in ("connect_timeout", "read_timeout", "write_timeout"):
        if name in query:
            options[name] = int(query[name][0])
    return options


def _redacted(url):
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class Session:
    """One open connection; rows come back as dicts keyed by column name (or alias)."""

    def __init__(self, connection):
        self.connection = connection

    def query(self, statement, parameters=None):
        with self.connection.cursor() as cursor:
            cursor.execute(statement, parameters)
            return list(cursor.fetchall())

    def execute(self, statement, parameters=None):
        with self.connection.cursor() as cursor:
            return cursor.execute(statement, parameters)

    def scalar(self, statement, parameters=None):
        """The first column of the only row (None for no row)."""
        rows = self.query(statement, parameters)
        if len(rows) > 1:
            raise AssertionError(f"expected at most one row, got {len(rows)}: {statement}")
        return next(iter(rows[0].values())) if rows else None

    def column(self, statement, parameters=None):
        """The first column of every row."""
        return [next(iter(row.values())) for row in self.query(statement, parameters)]


class Database:
    def __init__(self, url, **overrides):
        self.url = url
        self.options = dict(connection_options(url), **overrides)

    def __repr__(self):
        return f"Database({_redacted(self.url)!r})"

    @contextlib.contextmanager
    def session(self):
        driver = _driver()
        options = {"connect_timeout": 10, "read_timeout": 60, "write_timeout": 60, **self.options}
        connection = driver.connect(charset="utf8mb4", autocommit=True,
                                    cursorclass=driver.cursors.DictCursor, **options)
        try:
            yield Session(connection)
        finally:
            connection.close()

    def query(self, statement, parameters=None):
        with self.session() as session:
            return session.query(statement, parameters)

    def execute(self, statement, parameters=None):
        with self.session() as session:
            return session.execute(statement, parameters)

    def scalar(self, statement, parameters=None):
        with self.session() as session:
            return session.scalar(statement, parameters)

    def column(self, statement, parameters=None):
        with self.session() as session:
            return session.column(statement, parameters)
