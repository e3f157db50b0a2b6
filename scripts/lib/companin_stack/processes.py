"""Processes, ports and files: the small pieces the stack is made of (standard library only)."""

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections import deque


class StackError(Exception):
    """A step of the stack failed; the message says which and why (printed as `stack: error: …`)."""


def log(message):
    print(f"stack: {message}", file=sys.stderr, flush=True)


def find_bin(name):
    """Path of NAME, also looking in the sbin directories a normal user's PATH lacks."""
    found = shutil.which(name)
    if found:
        return found
    for directory in ("/usr/sbin", "/usr/local/sbin", "/sbin"):
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    raise StackError(f"{name} not found (run scripts/setup)")


def spawn(argv, *, log_path, cwd=None, env=None):
    """Starts ARGV in a session of its own (setsid), stdin from /dev/null, stdout and stderr
    appended to LOG_PATH; no other descriptor is inherited. Returns the pid. A thread reaps the
    process when it exits, so that a long-lived caller (pytest, eval-retrieval) keeps no zombie:
    once stopped, it is gone from /proc as it would be had a shell started it."""
    with open(log_path, "ab") as output:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    threading.Thread(target=process.wait, name=f"reap-{process.pid}", daemon=True).start()
    return process.pid


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name: state ppid pgrp …, or None."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def alive(pid, comm=None):
    """PID runs (zombies count as gone) and, when COMM is given, its name starts with COMM."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return False
    if comm:
        try:
            with open(f"/proc/{pid}/comm") as handle:
                if not handle.read().strip().startswith(comm):
                    return False
        except OSError:
            return False
    return True


def pid_from(path, comm):
    """The pid in the file PATH if that process is alive and named COMM, else None."""
    try:
        with open(path) as handle:
            digits = "".join(ch for ch in handle.readline() if ch.isdigit())
    except OSError:
        return None
    if not digits:
        return None
    pid = int(digits)
    return pid if alive(pid, comm) else None


def wait_gone(pid, seconds):
    """Bounded wait for PID to exit; True when it did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return not alive(pid)


def _processes():
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields is not None:
                yield int(entry), fields


def children(pid):
    """Pids whose parent is PID."""
    return [p for p, fields in _processes() if fields[1] == str(pid)]


def group_members(pgid):
    """Pids in the process group PGID."""
    return [p for p, fields in _processes() if fields[2] == str(pgid)]


def process_group(pid):
    fields = _stat_fields(pid)
    return int(fields[2]) if fields else None


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _killpg(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(pid):
    """SIGKILL PID, its children and, when PID leads its own process group (as everything the stack
    starts does), that whole group."""
    kids = children(pid)
    if process_group(pid) == pid:
        _killpg(pid, signal.SIGKILL)
    for p in [pid, *kids]:
        _kill(p, signal.SIGKILL)
    wait_gone(pid, 5)


def terminate(name, pid, sig, seconds):
    """Sends SIG, waits up to SECONDS, then SIGKILL (and says so); then kills what is left of the
    process group the stack gave the process (e.g. responders)."""
    _kill(pid, sig)
    if not wait_gone(pid, seconds):
        log(f"{name} (pid {pid}) did not exit within {seconds}s after {signal.Signals(sig).name}; sending SIGKILL")
        kill_tree(pid)
    left = [p for p in group_members(pid) if alive(p)]
    if left:
        log(f"{name} left processes behind ({' '.join(map(str, left))}); sending SIGKILL")
        _killpg(pid, signal.SIGKILL)


def port_open(port):
    """Something accepts TCP connections on 127.0.0.1:PORT."""
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=2):
            return True
    except OSError:
        return False


def free_port():
    """A TCP port that is free on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_socket(path):
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def check_socket_path(path):
    """Unix socket paths are limited to 107 bytes."""
    size = len(os.fsencode(path))
    if size > 100:
        raise StackError(f"socket path too long for a unix socket ({size} > 100 bytes): {path} — "
                         "use a shorter VAR directory")
    if not re.fullmatch(r"[A-Za-z0-9/._+-]+", path):
        log(f"warning: socket path has characters that may need escaping in URLs or nginx config: {path}")


def tail(path, lines, out=None):
    """The last LINES lines of PATH, with a header (on stderr unless OUT is given)."""
    out = out or sys.stderr
    if not os.path.isfile(path):
        print(f"==> {path}: not there <==", file=out, flush=True)
        return
    print(f"==> {path} (last {lines} lines) <==", file=out)
    try:
        with open(path, errors="replace") as handle:
            last = deque(handle, maxlen=int(lines))
    except OSError as error:
        last = [f"(cannot read: {error})\n"]
    out.write("".join(last))
    out.flush()


def remove(*paths):
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def write_private(path, text):
    """Writes PATH (mode 600) through a temporary file and a rename."""
    temporary = f"{path}.tmp"
    remove(temporary)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
    os.chmod(path, 0o600)


def wait_for(predicate, timeout=20.0, interval=0.05, message="condition"):
    """PREDICATE's first true value, asked every INTERVAL seconds; AssertionError after TIMEOUT."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
