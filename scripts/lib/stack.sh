#!/usr/bin/env bash
# shellcheck disable=SC2015  # `check && check || fail` is used on purpose: fail when either check fails.
# Companin's local stack: a private MariaDB, the FastCGI pool (`companin serve`) and nginx, all
# bound to loopback or unix sockets, with their state in one VAR directory.
#
# As a library (sourced by scripts/run, scripts/test, scripts/bench):
#   source scripts/lib/stack.sh
#   stack_init VAR_DIR [run|test]      paths, directories, profile (test: faster, less durable MariaDB
#                                      and high nginx flood-guard limits)
#   stack_save_config                  remember COMPANIN_BIN, port, limits, profile in VAR/stack.env
#                                      so the CLI form below can restart pieces later
#   stack_mariadb_start | _stop | _restart
#   stack_mariadb_create_database NAME grants the application user ALL on NAME.*
#   stack_database_url [NAME]          prints the mariadb:// URL of the private server (database NAME)
#   stack_admin_database_url [NAME]    the same as the server's root user
#   stack_pool_start | _stop | _restart   needs COMPANIN_BIN and COMPANIN_DATABASE_URL
#   stack_nginx_render | _start | _stop | _restart   port COMPANIN_HTTP_PORT (default 8080)
#   stack_stop_all                     nginx, then the pool, then MariaDB
#   stack_env                          prints `export NAME=VALUE` lines
#   stack_tail_logs [LINES]            tails of companin.log, nginx error.log, mariadb error.log
#   stack_port_in_use PORT, stack_free_port (alias free_port)
#   stack_external_db                  true when COMPANIN_DATABASE_URL names a server other than VAR's own
# Every function returns non-zero on failure (it does not rely on `set -e`, which bash ignores in
# functions called from `if` or `||`) and leaves nothing running that it started.
#
# As a command:  scripts/lib/stack.sh VAR_DIR COMMAND
#   mariadb-start mariadb-stop mariadb-restart pool-start pool-stop pool-restart
#   nginx-start nginx-stop nginx-restart stop-all env status tail-logs [N]
#   mariadb-create-db NAME   sql [MARIADB-CLIENT-ARGS]   (and: scripts/lib/stack.sh free-port)
# Settings saved by stack_save_config are defaults for the command; the environment overrides them
# (e.g. COMPANIN_FLOOD_RATE=1r/s COMPANIN_FLOOD_BURST=1 scripts/lib/stack.sh "$VAR" nginx-restart).
#
# Settings (environment):
#   COMPANIN_DATABASE_URL   set to a URL that is not this VAR's private server: use that external
#                           server, start no private MariaDB
#   COMPANIN_BIN            the companin executable (pool-start)
#   COMPANIN_HTTP_PORT      nginx port on 127.0.0.1 (default 8080)
#   COMPANIN_STATUS_PORT    nginx's operators-only status port on 127.0.0.1 (default 8081)
#   COMPANIN_FLOOD_RATE / COMPANIN_FLOOD_BURST   per-address flood guard (run: 50r/s 200, test: 2000r/s 4000)
#   COMPANIN_NGINX_WORKERS  nginx worker_processes (default 2)
#   STACK_MARIADB_TIMEOUT (60) STACK_POOL_TIMEOUT (30) STACK_NGINX_TIMEOUT (15) STACK_STOP_TIMEOUT (30)
#                           seconds allowed for start-up and for a graceful stop

STACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

stack_log() { printf 'stack: %s\n' "$*" >&2; }
# stack_error only prints: callers `return 1` themselves (under `set -e` a failing helper would end
# the script before the clean-up that follows it).
stack_error() { printf 'stack: error: %s\n' "$*" >&2; }

# --- helpers -----------------------------------------------------------------------------------

# _stack_find_bin NAME: path of NAME, also looking in the sbin directories a normal user's PATH lacks.
_stack_find_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for dir in /usr/sbin /usr/local/sbin /sbin; do
    if [[ -x $dir/$name ]]; then printf '%s\n' "$dir/$name"; return 0; fi
  done
  stack_error "$name not found (run scripts/setup)"
  return 1
}

# _stack_alive PID [COMM]: true when PID runs (zombies count as gone), and its name starts with COMM.
_stack_alive() {
  local pid=${1:-} want=${2:-} stat rest comm
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  case ${rest%% *} in Z|X) return 1 ;; esac
  if [[ -n $want ]]; then
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ $comm == "$want"* ]] || return 1
  fi
  return 0
}

# _stack_pid_from FILE COMM: prints the pid in FILE if that process is alive and named COMM.
_stack_pid_from() {
  local file=$1 comm=$2 pid
  [[ -f $file ]] || return 1
  pid=$(head -n1 "$file" 2>/dev/null | tr -dc '0-9')
  _stack_alive "$pid" "$comm" || return 1
  printf '%s\n' "$pid"
}

# _stack_wait_gone PID SECONDS: bounded wait for PID to exit.
_stack_wait_gone() {
  local pid=$1 i
  for ((i = 0; i < $2 * 10; i++)); do
    _stack_alive "$pid" || return 0
    sleep 0.1
  done
  ! _stack_alive "$pid"
}

# _stack_pgid PID: process group of PID.
_stack_pgid() {
  local stat rest pgid
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  # fields after the command: state ppid pgrp ...
  read -r _ _ pgid _ <<<"$rest"
  printf '%s\n' "$pgid"
}

# _stack_kill_tree PID: SIGKILL PID, its children and, when PID leads its own process group (as
# everything started here with setsid does), that whole group.
_stack_kill_tree() {
  local pid=$1 kids pgid
  kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ') || true
  pgid=$(_stack_pgid "$pid" 2>/dev/null) || pgid=""
  if [[ $pgid == "$pid" ]]; then kill -KILL -- "-$pgid" 2>/dev/null || true; fi
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
  _stack_wait_gone "$pid" 5 || true
}

# _stack_terminate NAME PID SIGNAL SECONDS: send SIGNAL, wait; then SIGKILL (and say so).
_stack_terminate() {
  local name=$1 pid=$2 sig=$3 secs=$4 left p
  kill "-$sig" "$pid" 2>/dev/null || true
  if ! _stack_wait_gone "$pid" "$secs"; then
    stack_log "$name (pid $pid) did not exit within ${secs}s after SIG$sig; sending SIGKILL"
    _stack_kill_tree "$pid"
  fi
  # Children left behind in the process group the stack gave the process (e.g. responders).
  left=""
  for p in $(pgrep -g "$pid" 2>/dev/null); do
    if _stack_alive "$p"; then left="$left $p"; fi
  done
  if [[ -n $left ]]; then
    stack_log "$name left processes behind (${left# }); sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  return 0
}

# _stack_port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
_stack_port_open() {
  # shellcheck disable=SC2016  # $1 expands in the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

stack_port_in_use() { _stack_port_open "$1"; }

# stack_free_port: prints a TCP port that is free on 127.0.0.1.
stack_free_port() {
  local port i
  if command -v python3 >/dev/null 2>&1 &&
    port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) &&
    [[ $port =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$port"
    return 0
  fi
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 40000))
    if ! _stack_port_open "$port"; then printf '%s\n' "$port"; return 0; fi
  done
  stack_error "no free port found on 127.0.0.1"
  return 1
}
free_port() { stack_free_port; }

# _stack_check_socket_path PATH: unix socket paths are limited to 107 bytes.
_stack_check_socket_path() {
  if ((${#1} > 100)); then
    stack_error "socket path too long for a unix socket (${#1} > 100 bytes): $1 — use a shorter VAR directory"
    return 1
  fi
  if [[ ! $1 =~ ^[A-Za-z0-9/._+-]+$ ]]; then
    stack_log "warning: socket path has characters that may need escaping in URLs or nginx config: $1"
  fi
  return 0
}

_stack_tail() { # FILE LINES
  if [[ -f $1 ]]; then
    printf '==> %s (last %s lines) <==\n' "$1" "$2" >&2
    tail -n "$2" "$1" >&2 || true
  else
    printf '==> %s: not there <==\n' "$1" >&2
  fi
}

# --- state and configuration -------------------------------------------------------------------

# stack_init VAR_DIR [PROFILE]: sets the STACK_* paths and creates the directories.
stack_init() {
  [[ -n ${1:-} ]] || { stack_error "stack_init: VAR directory missing"; return 1; }
  mkdir -p "$1" || { stack_error "cannot create $1"; return 1; }
  STACK_VAR=$(cd "$1" && pwd) || return 1
  # The profile: the argument, else STACK_PROFILE (environment or stack.env), else run.
  if [[ -n ${2:-} ]]; then STACK_PROFILE=$2; fi
  case ${STACK_PROFILE:-run} in run|test) ;; *) stack_error "unknown profile '$STACK_PROFILE' (run|test)"; return 1 ;; esac
  STACK_MARIADB_DIR=$STACK_VAR/mariadb
  STACK_MARIADB_SOCKET=$STACK_MARIADB_DIR/mariadb.sock
  STACK_RUN_DIR=$STACK_VAR/run
  STACK_LOG_DIR=$STACK_VAR/log
  STACK_NGINX_DIR=$STACK_VAR/nginx
  STACK_FASTCGI_SOCKET=$STACK_RUN_DIR/companin.sock
  STACK_POOL_LOG=$STACK_LOG_DIR/companin.log
  STACK_NGINX_CONF=$STACK_NGINX_DIR/nginx.conf
  STACK_CONFIG=$STACK_VAR/stack.env
  mkdir -p "$STACK_RUN_DIR" "$STACK_LOG_DIR" "$STACK_NGINX_DIR" || return 1
  chmod 700 "$STACK_VAR" 2>/dev/null || true
  export STACK_VAR STACK_FASTCGI_SOCKET STACK_MARIADB_SOCKET
  if [[ -n ${STACK_PROFILE:-} ]]; then export STACK_PROFILE; fi
}

_stack_config_names=(STACK_PROFILE COMPANIN_BIN COMPANIN_HTTP_PORT COMPANIN_STATUS_PORT COMPANIN_FLOOD_RATE
  COMPANIN_FLOOD_BURST COMPANIN_NGINX_WORKERS)

# stack_save_config: writes VAR/stack.env (mode 600); external database URL included.
stack_save_config() {
  local name tmp
  tmp=$STACK_CONFIG.tmp
  (
    umask 077
    {
      printf '# written by scripts/lib/stack.sh (stack_save_config); the environment overrides these\n'
      for name in "${_stack_config_names[@]}"; do
        if [[ -n ${!name:-} ]]; then printf '%s=%q\n' "$name" "${!name}"; fi
      done
      if stack_external_db; then printf 'COMPANIN_DATABASE_URL=%q\n' "$COMPANIN_DATABASE_URL"; fi
    } >"$tmp"
  ) && mv -f "$tmp" "$STACK_CONFIG"
}

# stack_load_config: sets the saved settings that the environment does not set.
stack_load_config() {
  local line name
  [[ -f $STACK_CONFIG ]] || return 0
  while IFS= read -r line; do
    [[ $line =~ ^([A-Z_][A-Z0-9_]*)= ]] || continue
    name=${BASH_REMATCH[1]}
    case " ${_stack_config_names[*]} COMPANIN_DATABASE_URL " in *" $name "*) ;; *) continue ;; esac
    if [[ -z ${!name:-} ]]; then eval "export $line"; fi
  done <"$STACK_CONFIG"
}

# stack_external_db: COMPANIN_DATABASE_URL names a server other than this VAR's private one.
stack_external_db() {
  [[ -n ${COMPANIN_DATABASE_URL:-} && $COMPANIN_DATABASE_URL != *"socket=$STACK_MARIADB_SOCKET"* ]]
}

# --- MariaDB -----------------------------------------------------------------------------------

_stack_mariadb_root() { # client as the server's root user, over the private socket
  timeout 60 "$STACK_MARIADB_CLIENT" --no-defaults --protocol=socket --socket="$STACK_MARIADB_SOCKET" \
    --user=root --connect-timeout=5 --batch --skip-column-names "$@"
}

_stack_mariadb_ping() {
  timeout 5 "$STACK_MARIADB_ADMIN" --no-defaults --protocol=socket --socket="$STACK_MARIADB_SOCKET" \
    --user=root --connect-timeout=2 ping >/dev/null 2>&1
}

_stack_mariadb_tools() {
  STACK_MARIADBD=$(_stack_find_bin mariadbd) &&
    STACK_MARIADB_INSTALL_DB=$(_stack_find_bin mariadb-install-db) &&
    STACK_MARIADB_CLIENT=$(_stack_find_bin mariadb) &&
    STACK_MARIADB_ADMIN=$(_stack_find_bin mariadb-admin)
}

# Server options; innodb_flush_log_at_trx_commit=2 (lose up to a second on a crash) for tests only.
_stack_mariadb_options() {
  STACK_MARIADB_OPTIONS=(
    --skip-networking
    --skip-name-resolve
    --character-set-server=utf8mb4
    --collation-server=utf8mb4_unicode_ci
    --innodb-buffer-pool-size=128M
    --innodb-log-file-size=48M
    --key-buffer-size=8M
    --aria-pagecache-buffer-size=16M
    --max-connections=200
  )
  if [[ ${STACK_PROFILE:-run} == test ]]; then STACK_MARIADB_OPTIONS+=(--innodb-flush-log-at-trx-commit=2); fi
  if [[ $(id -u) -eq 0 ]]; then STACK_MARIADB_OPTIONS+=(--user=root); fi
}

# stack_database_url [NAME]: URL of the private server for the application user.
stack_database_url() {
  local db=${1:-companin} password
  password=$(cat "$STACK_MARIADB_DIR/app-password" 2>/dev/null) && [[ -n $password ]] ||
    { stack_error "no application password in $STACK_MARIADB_DIR/app-password (start MariaDB first)"; return 1; }
  printf 'mariadb://companin:%s@localhost/%s?socket=%s\n' "$password" "$db" "$STACK_MARIADB_SOCKET"
}

# stack_admin_database_url [NAME]: the private server's root account over its socket (creating
# accounts, e.g. `companin db grant-reporting`).
stack_admin_database_url() {
  printf 'mariadb://root@localhost/%s?socket=%s\n' "${1:-companin}" "$STACK_MARIADB_SOCKET"
}

# _stack_ensure_database_url: COMPANIN_DATABASE_URL for the external or the private server.
_stack_ensure_database_url() {
  stack_external_db && return 0
  COMPANIN_DATABASE_URL=$(stack_database_url companin) || return 1
  export COMPANIN_DATABASE_URL
}

_stack_mariadb_provision() {
  local password sql
  password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n') && [[ ${#password} -eq 32 ]] ||
    { stack_error "cannot generate a password"; return 1; }
  sql="CREATE DATABASE IF NOT EXISTS companin CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'companin'@'localhost' IDENTIFIED BY '$password';
ALTER USER 'companin'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON companin.* TO 'companin'@'localhost';"
  _stack_mariadb_root -e "$sql" || { stack_error "creating database companin and user companin failed"; return 1; }
  (umask 077 && printf '%s\n' "$password" >"$STACK_MARIADB_DIR/app-password.tmp") &&
    mv -f "$STACK_MARIADB_DIR/app-password.tmp" "$STACK_MARIADB_DIR/app-password" || return 1
  chmod 600 "$STACK_MARIADB_DIR/app-password"
  stack_log "created database companin and user companin@localhost (password in $STACK_MARIADB_DIR/app-password)"
}

# stack_mariadb_create_database NAME: creates NAME (utf8mb4) and grants the application user ALL on it.
stack_mariadb_create_database() {
  local db=${1:-}
  [[ $db =~ ^[A-Za-z0-9_]+$ ]] || { stack_error "invalid database name '$db'"; return 1; }
  if stack_external_db; then stack_error "cannot create databases on an external server"; return 1; fi
  _stack_mariadb_tools || return 1
  _stack_mariadb_root -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON \`$db\`.* TO 'companin'@'localhost';" ||
    { stack_error "creating database $db failed"; return 1; }
}

# stack_mariadb_start: starts (first time: initializes) the private server; exports
# COMPANIN_DATABASE_URL and STACK_MARIADB_FIRST_START (1 when the datadir was just created).
stack_mariadb_start() {
  local dir=$STACK_MARIADB_DIR data=$STACK_MARIADB_DIR/data pid i
  local timeout=${STACK_MARIADB_TIMEOUT:-60}
  STACK_MARIADB_FIRST_START=0
  export STACK_MARIADB_FIRST_START
  if stack_external_db; then
    stack_log "COMPANIN_DATABASE_URL names an external server; not starting a private MariaDB"
    return 0
  fi
  _stack_mariadb_tools || return 1
  _stack_check_socket_path "$STACK_MARIADB_SOCKET" || return 1
  mkdir -p "$dir/tmp" && chmod 700 "$dir" || { stack_error "cannot create $dir"; return 1; }
  _stack_mariadb_options

  if pid=$(_stack_pid_from "$dir/mariadbd.pid" mariadbd); then
    if _stack_mariadb_ping; then
      stack_log "MariaDB already running (pid $pid)"
      if [[ ! -s $dir/app-password ]]; then _stack_mariadb_provision || return 1; fi
      _stack_ensure_database_url
      return
    fi
    stack_error "a mariadbd (pid $pid) owns $dir but does not answer; stop it first (scripts/lib/stack.sh $STACK_VAR mariadb-stop)"
    return 1
  fi
  rm -f "$STACK_MARIADB_SOCKET" "$dir/mariadbd.pid"

  if [[ ! -d $data ]]; then
    stack_log "initializing MariaDB datadir $data"
    rm -rf "$data.init"
    local install=("$STACK_MARIADB_INSTALL_DB" --no-defaults --datadir="$data.init"
      --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve
      --innodb-log-file-size=48M --innodb-buffer-pool-size=128M)
    if [[ $(id -u) -eq 0 ]]; then install+=(--user=root); fi
    if ! "${install[@]}" >"$dir/install-db.log" 2>&1 9>&-; then
      stack_error "mariadb-install-db failed:"
      tail -n 30 "$dir/install-db.log" >&2
      rm -rf "$data.init"
      return 1
    fi
    mv "$data.init" "$data" || return 1
    STACK_MARIADB_FIRST_START=1
  fi

  setsid "$STACK_MARIADBD" --no-defaults --datadir="$data" --socket="$STACK_MARIADB_SOCKET" \
    --pid-file="$dir/mariadbd.pid" --log-error="$dir/error.log" --tmpdir="$dir/tmp" \
    "${STACK_MARIADB_OPTIONS[@]}" </dev/null >>"$dir/error.log" 2>&1 9>&- &
  pid=$!
  for ((i = 0; i < timeout * 5; i++)); do
    if ! _stack_alive "$pid"; then
      stack_error "mariadbd exited during start-up"
      _stack_tail "$dir/error.log" 30
      return 1
    fi
    if _stack_mariadb_ping; then break; fi
    sleep 0.2
  done
  if ! _stack_mariadb_ping; then
    stack_error "MariaDB did not answer within ${timeout}s"
    _stack_tail "$dir/error.log" 30
    _stack_terminate mariadbd "$pid" TERM 10
    return 1
  fi
  if [[ $STACK_MARIADB_FIRST_START == 1 || ! -s $dir/app-password ]]; then
    if ! _stack_mariadb_provision; then
      stack_mariadb_stop
      return 1
    fi
  fi
  stack_log "MariaDB running (pid $pid, socket $STACK_MARIADB_SOCKET)"
  _stack_ensure_database_url
}

stack_mariadb_stop() {
  local dir=$STACK_MARIADB_DIR pid timeout=${STACK_STOP_TIMEOUT:-30}
  stack_external_db && return 0
  if ! pid=$(_stack_pid_from "$dir/mariadbd.pid" mariadbd); then
    rm -f "$STACK_MARIADB_SOCKET" "$dir/mariadbd.pid"
    return 0
  fi
  _stack_mariadb_tools || return 1
  if timeout $((timeout + 5)) "$STACK_MARIADB_ADMIN" --no-defaults --protocol=socket \
    --socket="$STACK_MARIADB_SOCKET" --user=root --connect-timeout=5 \
    --shutdown-timeout="$timeout" shutdown >/dev/null 2>&1 && _stack_wait_gone "$pid" "$timeout"; then
    stack_log "MariaDB stopped"
  else
    stack_log "mariadb-admin shutdown did not stop MariaDB (pid $pid); sending SIGTERM"
    _stack_terminate mariadbd "$pid" TERM "$timeout"
  fi
  rm -f "$STACK_MARIADB_SOCKET" "$dir/mariadbd.pid"
  return 0
}

stack_mariadb_restart() { stack_mariadb_stop && stack_mariadb_start; }

# --- the FastCGI pool --------------------------------------------------------------------------

_stack_pool_pids() { # prints the alive pool master pid(s)
  local f pid seen=""
  for f in "$STACK_RUN_DIR/pool.pid" "$STACK_RUN_DIR/companin.pid"; do
    if pid=$(_stack_pid_from "$f" companin) && [[ " $seen " != *" $pid "* ]]; then
      seen="$seen $pid"
      printf '%s\n' "$pid"
    fi
  done
}

# stack_pool_start: `companin serve` on VAR/run/companin.sock, logs in VAR/log/companin.log;
# exports STACK_POOL_PID (a child of the calling shell: `wait "$STACK_POOL_PID"` works).
stack_pool_start() {
  local bin=${COMPANIN_BIN:-} pid i timeout=${STACK_POOL_TIMEOUT:-30} running
  [[ -n $bin ]] || { stack_error "COMPANIN_BIN is not set (path of the companin executable)"; return 1; }
  [[ -x $bin ]] || { stack_error "COMPANIN_BIN=$bin is not an executable (build first)"; return 1; }
  _stack_ensure_database_url || return 1
  _stack_check_socket_path "$STACK_FASTCGI_SOCKET" || return 1
  running=$(_stack_pool_pids | head -n1)
  if [[ -n $running ]]; then
    stack_log "pool already running (pid $running)"
    STACK_POOL_PID=$running
    export STACK_POOL_PID
    return 0
  fi
  rm -f "$STACK_FASTCGI_SOCKET" "$STACK_RUN_DIR/pool.pid" "$STACK_RUN_DIR/companin.pid"
  printf '%s stack: starting %s serve\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$bin" >>"$STACK_POOL_LOG"
  (cd "$STACK_ROOT" && exec setsid "$bin" serve --socket "$STACK_FASTCGI_SOCKET" \
    --pid-file "$STACK_RUN_DIR/companin.pid") </dev/null >>"$STACK_POOL_LOG" 2>&1 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$STACK_RUN_DIR/pool.pid"
  for ((i = 0; i < timeout * 10; i++)); do
    if ! _stack_alive "$pid"; then
      stack_error "companin serve exited during start-up"
      _stack_tail "$STACK_POOL_LOG" 30
      rm -f "$STACK_RUN_DIR/pool.pid"
      return 1
    fi
    [[ -S $STACK_FASTCGI_SOCKET ]] && break
    sleep 0.1
  done
  if [[ ! -S $STACK_FASTCGI_SOCKET ]]; then
    stack_error "companin serve did not create $STACK_FASTCGI_SOCKET within ${timeout}s"
    _stack_tail "$STACK_POOL_LOG" 30
    _stack_terminate "companin serve" "$pid" TERM 10
    rm -f "$STACK_RUN_DIR/pool.pid"
    return 1
  fi
  STACK_POOL_PID=$pid
  export STACK_POOL_PID
  stack_log "pool running (pid $pid, socket $STACK_FASTCGI_SOCKET, log $STACK_POOL_LOG)"
}

# stack_pool_stop: SIGTERM (the pool drains), bounded wait, then SIGKILL to its process group.
stack_pool_stop() {
  local pid stopped=0
  for pid in $(_stack_pool_pids); do
    _stack_terminate "companin serve" "$pid" TERM "${STACK_STOP_TIMEOUT:-30}"
    stopped=1
  done
  rm -f "$STACK_FASTCGI_SOCKET" "$STACK_RUN_DIR/pool.pid" "$STACK_RUN_DIR/companin.pid"
  if [[ $stopped == 1 ]]; then stack_log "pool stopped"; fi
  return 0
}

stack_pool_restart() { stack_pool_stop && stack_pool_start; }

# --- nginx -------------------------------------------------------------------------------------

_stack_sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# stack_nginx_render: nginx/companin.conf.template -> VAR/nginx/nginx.conf, with the shared server
# block (between the BEGIN/END markers of nginx/companin.conf) inserted at @COMPANIN_SHARED@.
stack_nginx_render() {
  local template=$STACK_ROOT/nginx/companin.conf.template prod=$STACK_ROOT/nginx/companin.conf
  local port=${COMPANIN_HTTP_PORT:-8080} status_port=${COMPANIN_STATUS_PORT:-8081} rate burst workers user_line shared status out left
  if [[ ${STACK_PROFILE:-run} == test ]]; then rate=2000r/s burst=4000; else rate=50r/s burst=200; fi
  rate=${COMPANIN_FLOOD_RATE:-$rate}
  burst=${COMPANIN_FLOOD_BURST:-$burst}
  workers=${COMPANIN_NGINX_WORKERS:-2}
  [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || { stack_error "invalid port '$port'"; return 1; }
  [[ $status_port =~ ^[0-9]+$ ]] && ((status_port > 0 && status_port < 65536)) ||
    { stack_error "invalid COMPANIN_STATUS_PORT '$status_port'"; return 1; }
  [[ $rate =~ ^[0-9]+r/[sm]$ ]] || { stack_error "invalid COMPANIN_FLOOD_RATE '$rate' (e.g. 50r/s)"; return 1; }
  [[ $burst =~ ^[0-9]+$ ]] || { stack_error "invalid COMPANIN_FLOOD_BURST '$burst'"; return 1; }
  [[ $workers =~ ^([0-9]+|auto)$ ]] || { stack_error "invalid COMPANIN_NGINX_WORKERS '$workers'"; return 1; }
  [[ -f $template && -f $prod ]] || { stack_error "missing $template or $prod"; return 1; }
  if [[ $(id -u) -eq 0 ]]; then
    # Workers must reach the pool's socket, owned by the user who started it.
    user_line='user root;'
  else
    user_line='# (not root: the workers run as the invoking user)'
  fi
  mkdir -p "$STACK_NGINX_DIR/logs" "$STACK_NGINX_DIR/tmp" || return 1
  shared=$STACK_NGINX_DIR/shared.conf
  sed -n '/# BEGIN companin shared/,/# END companin shared/p' "$prod" >"$shared" || return 1
  if ! grep -q '# END companin shared' "$shared"; then
    stack_error "$prod lacks the '# BEGIN companin shared' ... '# END companin shared' block"
    return 1
  fi
  status=$STACK_NGINX_DIR/status.conf
  sed -n '/# BEGIN companin status/,/# END companin status/p' "$prod" >"$status" || return 1
  if ! grep -q '# END companin status' "$status"; then
    stack_error "$prod lacks the '# BEGIN companin status' ... '# END companin status' block"
    return 1
  fi
  out=$STACK_NGINX_CONF.tmp
  sed -e "/@COMPANIN_SHARED@/{
r $shared
d
}" -e "/@COMPANIN_STATUS@/{
r $status
d
}" "$template" | sed \
    -e "s|@HTTP_PORT@|$port|g" \
    -e "s|@STATUS_PORT@|$status_port|g" \
    -e "s|@FASTCGI_SOCKET@|$(_stack_sed_escape "$STACK_FASTCGI_SOCKET")|g" \
    -e "s|@NGINX_DIR@|$(_stack_sed_escape "$STACK_NGINX_DIR")|g" \
    -e "s|@VAR_DIR@|$(_stack_sed_escape "$STACK_VAR")|g" \
    -e "s|@DOCROOT@|$(_stack_sed_escape "$STACK_ROOT/nginx")|g" \
    -e "s|@FLOOD_RATE@|$rate|g" \
    -e "s|@FLOOD_BURST@|$burst|g" \
    -e "s|@WORKER_PROCESSES@|$workers|g" \
    -e "s|@USER_LINE@|$(_stack_sed_escape "$user_line")|g" >"$out" || return 1
  rm -f "$shared" "$status"
  left=$(grep -o '@[A-Z_]*@' "$out" | sort -u | tr '\n' ' ') || true
  if [[ -n $left ]]; then stack_error "unrendered placeholders in $out: $left"; return 1; fi
  mv -f "$out" "$STACK_NGINX_CONF"
  STACK_HTTP_PORT=$port
  export STACK_HTTP_PORT
}

_stack_nginx() { "$STACK_NGINX" -p "$STACK_NGINX_DIR/" -c "$STACK_NGINX_CONF" -e "$STACK_NGINX_DIR/logs/error.log" "$@"; }

# stack_nginx_start: renders, checks (nginx -t), starts nginx on 127.0.0.1:COMPANIN_HTTP_PORT.
stack_nginx_start() {
  local pid i out timeout=${STACK_NGINX_TIMEOUT:-15} port
  STACK_NGINX=$(_stack_find_bin nginx) || return 1
  if pid=$(_stack_pid_from "$STACK_NGINX_DIR/nginx.pid" nginx); then
    stack_log "nginx already running (pid $pid)"
    return 0
  fi
  stack_nginx_render || return 1
  port=$STACK_HTTP_PORT
  if _stack_port_open "$port"; then
    stack_error "port $port on 127.0.0.1 is already in use (choose another with COMPANIN_HTTP_PORT)"
    return 1
  fi
  mkdir -p "$STACK_NGINX_DIR/logs" || return 1
  if ! out=$(_stack_nginx -t -q 2>&1); then
    stack_error "nginx -t rejected $STACK_NGINX_CONF:"
    printf '%s\n' "$out" >&2
    return 1
  fi
  rm -f "$STACK_NGINX_DIR/nginx.pid"
  # `daemon on`: this returns once the master has forked into its own session.
  if ! out=$(_stack_nginx </dev/null 2>&1 9>&-); then
    stack_error "nginx did not start:"
    printf '%s\n' "$out" >&2
    _stack_tail "$STACK_NGINX_DIR/logs/error.log" 20
    return 1
  fi
  for ((i = 0; i < timeout * 10; i++)); do
    if pid=$(_stack_pid_from "$STACK_NGINX_DIR/nginx.pid" nginx) && _stack_port_open "$port"; then
      stack_log "nginx running (pid $pid) on http://127.0.0.1:$port/"
      return 0
    fi
    sleep 0.1
  done
  stack_error "nginx did not answer on 127.0.0.1:$port within ${timeout}s"
  _stack_tail "$STACK_NGINX_DIR/logs/error.log" 20
  stack_nginx_stop
  return 1
}

# stack_nginx_stop: graceful quit (SIGQUIT), bounded wait, then SIGTERM/SIGKILL.
stack_nginx_stop() {
  local pid timeout=${STACK_NGINX_TIMEOUT:-15} kids
  if ! pid=$(_stack_pid_from "$STACK_NGINX_DIR/nginx.pid" nginx); then
    rm -f "$STACK_NGINX_DIR/nginx.pid"
    return 0
  fi
  kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ') || true
  kill -QUIT "$pid" 2>/dev/null || true
  if ! _stack_wait_gone "$pid" "$timeout"; then
    stack_log "nginx (pid $pid) did not quit within ${timeout}s; sending SIGTERM"
    _stack_terminate nginx "$pid" TERM 5
  fi
  # Workers orphaned by a killed master.
  for pid in $kids; do
    if _stack_alive "$pid" nginx; then
      stack_log "killing leftover nginx worker $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$STACK_NGINX_DIR/nginx.pid"
  stack_log "nginx stopped"
  return 0
}

stack_nginx_restart() { stack_nginx_stop && stack_nginx_start; }

# --- everything --------------------------------------------------------------------------------

stack_stop_all() {
  local status=0
  stack_nginx_stop || status=1
  stack_pool_stop || status=1
  stack_mariadb_stop || status=1
  return $status
}

stack_env() {
  local port=${COMPANIN_HTTP_PORT:-8080}
  _stack_ensure_database_url 2>/dev/null || true
  printf 'export COMPANIN_DATABASE_URL=%q\n' "${COMPANIN_DATABASE_URL:-}"
  stack_external_db || printf 'export COMPANIN_MARIADB_SOCKET=%q\n' "$STACK_MARIADB_SOCKET"
  printf 'export COMPANIN_FASTCGI_SOCKET=%q\n' "$STACK_FASTCGI_SOCKET"
  printf 'export COMPANIN_HTTP_PORT=%q\n' "$port"
  printf 'export COMPANIN_BASE_URL=%q\n' "http://127.0.0.1:$port"
  if [[ -n ${COMPANIN_BIN:-} ]]; then printf 'export COMPANIN_BIN=%q\n' "$COMPANIN_BIN"; fi
  printf 'export COMPANIN_MIGRATIONS_DIR=%q\n' "$STACK_ROOT/db/migrations"
}

stack_status() {
  local pid
  if stack_external_db; then echo "mariadb: external ($COMPANIN_DATABASE_URL)" | sed -E 's|//([^:/@]*):[^@]*@|//\1:***@|'
  elif pid=$(_stack_pid_from "$STACK_MARIADB_DIR/mariadbd.pid" mariadbd); then echo "mariadb: running (pid $pid)"
  else echo "mariadb: stopped"; fi
  pid=$(_stack_pool_pids | tr '\n' ' ')
  if [[ -n $pid ]]; then echo "pool: running (pid ${pid% })"; else echo "pool: stopped"; fi
  if pid=$(_stack_pid_from "$STACK_NGINX_DIR/nginx.pid" nginx); then echo "nginx: running (pid $pid)"
  else echo "nginx: stopped"; fi
}

stack_tail_logs() {
  local lines=${1:-40}
  _stack_tail "$STACK_POOL_LOG" "$lines"
  _stack_tail "$STACK_NGINX_DIR/logs/error.log" "$lines"
  stack_external_db || _stack_tail "$STACK_MARIADB_DIR/error.log" "$lines"
}

# --- command line ------------------------------------------------------------------------------

_stack_usage() {
  cat >&2 <<'EOF'
usage: scripts/lib/stack.sh VAR_DIR COMMAND
  mariadb-start | mariadb-stop | mariadb-restart | mariadb-create-db NAME
  pool-start | pool-stop | pool-restart
  nginx-start | nginx-stop | nginx-restart
  stop-all | status | env | tail-logs [LINES] | sql [MARIADB-CLIENT-ARGS...]
       scripts/lib/stack.sh free-port
EOF
}

_stack_main() {
  if [[ ${1:-} == free-port ]]; then stack_free_port; return; fi
  if [[ $# -lt 2 ]]; then _stack_usage; return 2; fi
  local var=$1 cmd=$2
  shift 2
  case $cmd in
    mariadb-start | mariadb-stop | mariadb-restart | mariadb-create-db | pool-start | pool-stop | \
      pool-restart | nginx-start | nginx-stop | nginx-restart | stop-all | env | status | tail-logs | sql) ;;
    help | -h | --help) _stack_usage; return 0 ;;
    *) _stack_usage; return 2 ;;
  esac
  stack_init "$var" || return 1
  stack_load_config || return 1
  case $cmd in
    mariadb-start) stack_mariadb_start ;;
    mariadb-stop) stack_mariadb_stop ;;
    mariadb-restart) stack_mariadb_restart ;;
    mariadb-create-db) stack_mariadb_create_database "${1:-}" ;;
    pool-start) stack_pool_start ;;
    pool-stop) stack_pool_stop ;;
    pool-restart) stack_pool_restart ;;
    nginx-start) stack_nginx_start ;;
    nginx-stop) stack_nginx_stop ;;
    nginx-restart) stack_nginx_restart ;;
    stop-all) stack_stop_all ;;
    env) stack_env ;;
    status) stack_status ;;
    tail-logs) stack_tail_logs "${1:-40}" 2>&1 ;;
    sql)
      if stack_external_db; then stack_error "sql: external server; use its own client"; return 1; fi
      _stack_mariadb_tools || return 1
      local password
      password=$(cat "$STACK_MARIADB_DIR/app-password") || return 1
      MYSQL_PWD=$password exec "$STACK_MARIADB_CLIENT" --no-defaults --protocol=socket \
        --socket="$STACK_MARIADB_SOCKET" --user=companin --database=companin "$@"
      ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  _stack_main "$@"
fi
