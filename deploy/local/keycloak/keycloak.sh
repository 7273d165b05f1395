#!/usr/bin/env bash
# A local Keycloak (the OpenID Connect provider) from Maven Central, with the govproj realms imported.
#
#   deploy/local/keycloak/keycloak.sh fetch    # download and pre-build the server into ./dist (once)
#   deploy/local/keycloak/keycloak.sh start    # fetch if needed, start on KEYCLOAK_PORT, wait until the realm answers
#   deploy/local/keycloak/keycloak.sh stop     # SIGTERM, wait, SIGKILL after KEYCLOAK_STOP_TIMEOUT
#   deploy/local/keycloak/keycloak.sh status   # exit 0 when running
#
# Environment:
#   KEYCLOAK_PORT           HTTP port on 127.0.0.1, default 8180; the issuer is http://127.0.0.1:PORT/realms/govproj
#   GOVPROJ_VAR             state root, default <repo>/var; this server lives in $GOVPROJ_VAR/keycloak-$KEYCLOAK_PORT
#   KEYCLOAK_HEAP           JVM heap flags, default "-Xms64m -Xmx512m"
#   KEYCLOAK_START_TIMEOUT  seconds to wait for the realm, default 600 (a loaded 2-core machine takes minutes)
#   KEYCLOAK_STOP_TIMEOUT   seconds after SIGTERM before SIGKILL, default 30
#   JAVA_HOME               optional; otherwise the newest JDK >= 21 under /usr/lib/jvm, then `java` on PATH
#
# The realms (realm-*.json beside this script) are test realms: fixed client secrets and passwords. The
# database is H2 in memory (`dev-mem`), so every start imports them afresh and nothing survives a stop.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
VERSION="26.7.3"
DIST_ROOT="$HERE/dist"
DIST="$DIST_ROOT/keycloak-$VERSION"
PORT="${KEYCLOAK_PORT:-8180}"
VAR="${GOVPROJ_VAR:-$REPO/var}"
BASE="$VAR/keycloak-$PORT"
PIDFILE="$BASE/keycloak.pid"
LOG="$BASE/keycloak.log"
HEAP="${KEYCLOAK_HEAP:--Xms64m -Xmx512m}"
START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-600}"
STOP_TIMEOUT="${KEYCLOAK_STOP_TIMEOUT:-30}"
# Build-time options: changing them needs a new `kc.sh build`, so they are part of the fetch stamp.
BUILD_OPTIONS="--db=dev-mem"

log() { echo "keycloak.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Keycloak 26 needs Java 21 or newer; the Kafka broker is happy with the system's 17.
find_java() {
    local candidate major
    for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV) \
        "$(command -v java || true)"; do
        [[ -x "$candidate" ]] || continue
        major="$("$candidate" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
        if [[ "${major%%.*}" =~ ^[0-9]+$ ]] && (( ${major%%.*} >= 21 )); then
            dirname "$(dirname "$candidate")"
            return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------------------------------------- fetch
stamp() { echo "$VERSION $BUILD_OPTIONS"; }

dist_ok() {
    [[ -f "$DIST/.built" ]] && [[ "$(cat "$DIST/.built")" == "$(stamp)" ]] && [[ -x "$DIST/bin/kc.sh" ]]
}

cmd_fetch() {
    dist_ok && return 0
    command -v mvn >/dev/null || die "mvn not found on PATH (needed once to fetch Keycloak)"
    command -v unzip >/dev/null || die "unzip not found on PATH (needed once to unpack Keycloak)"
    local java_home
    java_home="$(find_java)" || die "Keycloak $VERSION needs a JDK 21 or newer (set JAVA_HOME)"
    mkdir -p "$DIST_ROOT"
    exec 8>"$DIST_ROOT/fetch.lock"
    flock 8
    if ! dist_ok; then
        log "fetching org.keycloak:keycloak-quarkus-dist:$VERSION with Maven ..."
        local out zip
        out="$(mktemp)"
        rm -rf "$DIST" "$DIST_ROOT/download"
        if ! mvn -B -Dstyle.color=never dependency:copy \
            -Dartifact="org.keycloak:keycloak-quarkus-dist:$VERSION:zip" \
            -DoutputDirectory="$DIST_ROOT/download" >"$out" 2>&1; then
            tail -n 40 "$out" >&2
            rm -f "$out"
            die "mvn dependency:copy failed"
        fi
        zip="$DIST_ROOT/download/keycloak-quarkus-dist-$VERSION.zip"
        unzip -q "$zip" -d "$DIST_ROOT"
        rm -rf "$DIST_ROOT/download"
        # Pre-build once so every start can be `--optimized` (the build takes as long as a start).
        log "building the server (once) ..."
        if ! JAVA_HOME="$java_home" "$DIST/bin/kc.sh" build $BUILD_OPTIONS >"$out" 2>&1; then
            tail -n 40 "$out" >&2
            rm -f "$out"
            die "kc.sh build failed"
        fi
        rm -f "$out"
        stamp >"$DIST/.built"
        log "Keycloak $VERSION ready in $DIST"
    fi
    flock -u 8
    exec 8>&-
}

# ---------------------------------------------------------------------------------------------- helpers
alive() {
    kill -0 "$1" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]]
}

# Prints the pid when our server (this port, this dist) is alive, else returns 1.
running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--http-port=$PORT" || return 1
    echo "$pid"
}

realm_answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || return 1
    command -v curl >/dev/null || return 0
    curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/realms/govproj/.well-known/openid-configuration"
}

# ---------------------------------------------------------------------------------------------- commands
cmd_start() {
    if pid="$(running_pid)"; then
        log "already running (pid $pid)"
        echo "http://127.0.0.1:$PORT"
        return 0
    fi
    cmd_fetch
    local java_home
    java_home="$(find_java)" || die "Keycloak $VERSION needs a JDK 21 or newer (set JAVA_HOME)"
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is already in use"
    mkdir -p "$BASE" "$DIST/data/import"
    # --import-realm reads the dist's data/import; every server imports the same realms.
    cp "$HERE"/realm-*.json "$DIST/data/import/"
    log "starting Keycloak on 127.0.0.1:$PORT (log: $LOG)"
    # setsid: its own process group, so `stop` reaches the JVM that kc.sh execs.
    JAVA_HOME="$java_home" JAVA_OPTS_KC_HEAP="$HEAP" setsid "$DIST/bin/kc.sh" start --optimized \
        --http-enabled=true --http-host=127.0.0.1 --http-port="$PORT" --hostname-strict=false \
        --import-realm \
        >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    local deadline=$((SECONDS + START_TIMEOUT))
    until realm_answers; do
        if ! running_pid >/dev/null; then
            tail -n 40 "$LOG" >&2
            die "Keycloak exited during start-up"
        fi
        ((SECONDS < deadline)) || { tail -n 40 "$LOG" >&2; cmd_stop; die "not ready after ${START_TIMEOUT}s"; }
        sleep 1
    done
    log "ready: issuer http://127.0.0.1:$PORT/realms/govproj"
    echo "http://127.0.0.1:$PORT"
}

cmd_stop() {
    local pid
    pid="$(running_pid)" || { rm -f "$PIDFILE"; return 0; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while alive "$pid"; do
        if ((SECONDS >= deadline)); then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
            break
        fi
        sleep 0.2
    done
    rm -f "$PIDFILE"
}

cmd_status() {
    if pid="$(running_pid)"; then
        echo "running (pid $pid) on http://127.0.0.1:$PORT"
    else
        echo "stopped"
        return 1
    fi
}

case "${1:-}" in
fetch) cmd_fetch ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*) die "usage: $0 fetch|start|stop|status" ;;
esac
