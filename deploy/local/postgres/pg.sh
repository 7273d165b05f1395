#!/usr/bin/env bash
# Throwaway PostgreSQL for development and tests (no durability: fsync/full_page_writes off).
#
#   deploy/local/postgres/pg.sh start DIR PORT [db ...]   # initdb if needed, start on 127.0.0.1:PORT,
#                                                        # create the databases that are missing
#   deploy/local/postgres/pg.sh stop DIR                  # pg_ctl stop -m fast (no-op when not running)
#   deploy/local/postgres/pg.sh status DIR                # exit 0 when running
#
# DIR is the data directory and also the unix socket directory. Superuser `postgres`, trust auth, so the
# URL is postgresql://postgres@127.0.0.1:PORT/<db>. As root, initdb/pg_ctl run as user `pgtest` (created
# if missing; PostgreSQL refuses to run as root), so DIR's parents must be traversable by that user.
# Installs Debian's `postgresql` package with apt-get when no /usr/lib/postgresql/*/bin/initdb exists.
# Environment: PG_START_TIMEOUT (seconds, default 60), PG_USER (default pgtest).
set -euo pipefail

log() { echo "pg.sh: $*" >&2; }
die() { log "$*"; exit 1; }
usage() { echo "usage: $0 {start DIR PORT [db ...] | stop DIR | status DIR}" >&2; exit 2; }

[[ $# -ge 2 ]] || usage
ACTION="$1"
DIR="$(realpath -m -- "$2")"
shift 2

PG_USER="${PG_USER:-pgtest}"
START_TIMEOUT="${PG_START_TIMEOUT:-60}"

find_bindir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$d" && -x "$d/initdb" ]] && echo "$d"
}

ensure_installed() {
    BIN="$(find_bindir)" && return 0
    [[ "$(id -u)" -eq 0 ]] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    log "PostgreSQL not found: installing Debian's postgresql with apt-get ..."
    # Do not let the package create and start its own 'main' cluster on 5432.
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
        mkdir -p /etc/postgresql-common
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    BIN="$(find_bindir)" || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb found"
}

# RUN prefixes commands that must not run as root.
if [[ "$(id -u)" -eq 0 ]]; then
    RUN=(runuser -u "$PG_USER" --)
else
    RUN=()
fi

ensure_user() {
    [[ "$(id -u)" -eq 0 ]] || return 0
    id -u "$PG_USER" >/dev/null 2>&1 && return 0
    useradd --create-home --shell /bin/bash "$PG_USER" 2>/dev/null \
        || id -u "$PG_USER" >/dev/null 2>&1 \
        || die "could not create user $PG_USER"
}

is_running() {
    [[ -f "$DIR/postmaster.pid" ]] || return 1
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1
}

cmd_start() {
    local port="${1:-}"
    [[ "$port" =~ ^[0-9]+$ ]] || usage
    shift
    ensure_installed
    ensure_user
    # A unix socket path is limited to 107 bytes.
    local sock="$DIR/.s.PGSQL.$port"
    ((${#sock} <= 107)) || die "socket path too long (${#sock} > 107 bytes): $sock -- use a shorter DIR"

    mkdir -p "$DIR"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown "$PG_USER": "$DIR"
        "${RUN[@]}" test -w "$DIR" -a -x "$DIR" \
            || die "user $PG_USER cannot reach $DIR (a parent directory is not traversable, e.g. pytest's 0700 /tmp/pytest-of-root); use a directory such as one from mktemp -d"
    fi
    chmod 700 "$DIR"

    if [[ ! -f "$DIR/PG_VERSION" ]]; then
        local ctype=C
        locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' && ctype=C.UTF-8
        local out
        out="$("${RUN[@]}" "$BIN/initdb" -D "$DIR" -U postgres -A trust -E UTF8 --no-sync \
            --lc-collate=C --lc-ctype="$ctype" --lc-messages=C 2>&1)" \
            || { echo "$out" >&2; die "initdb failed"; }
    fi

    if is_running; then
        local running_port
        running_port="$(sed -n 4p "$DIR/postmaster.pid")"
        [[ "$running_port" == "$port" ]] \
            || die "already running in $DIR on port $running_port, not $port"
        log "already running on 127.0.0.1:$port"
    else
        "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -w -t "$START_TIMEOUT" -l "$DIR/server.log" \
            -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
            start >/dev/null \
            || { tail -n 30 "$DIR/server.log" >&2 || true; die "pg_ctl start failed"; }
    fi

    local db exists
    for db in "$@"; do
        exists="$("$BIN/psql" -h "$DIR" -p "$port" -U postgres -d postgres -XAtq \
            -v name="$db" <<<"SELECT 1 FROM pg_database WHERE datname = :'name'")"
        if [[ "$exists" != 1 ]]; then
            "$BIN/psql" -h "$DIR" -p "$port" -U postgres -d postgres -Xq -v ON_ERROR_STOP=1 \
                -v name="$db" <<<'CREATE DATABASE :"name"' >/dev/null \
                || die "could not create database $db"
        fi
    done
    echo "postgresql://postgres@127.0.0.1:$port/"
}

cmd_stop() {
    BIN="$(find_bindir)" || { log "PostgreSQL not installed, nothing to stop"; return 0; }
    if [[ ! -f "$DIR/PG_VERSION" ]] || ! is_running; then
        log "not running in $DIR"
        return 0
    fi
    "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -w -t 60 stop -m fast >/dev/null
}

cmd_status() {
    BIN="$(find_bindir)" || { echo "not installed"; return 1; }
    if is_running; then
        echo "running in $DIR on 127.0.0.1:$(sed -n 4p "$DIR/postmaster.pid")"
    else
        echo "not running in $DIR"
        return 1
    fi
}

case "$ACTION" in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) usage ;;
esac
