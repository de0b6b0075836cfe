#!/usr/bin/env bash
# Start Apicurio Registry 3.x (a schema registry with a Confluent-compatible API) in the background, in-memory storage,
# bound to 127.0.0.1, and wait until its API answers.   (npm run registry:start; npm run registry:stop stops it)
#
#   bash scripts/registry/start.sh               fetch once, start, wait ready; prints the URL for --schema-registry
#   bash scripts/registry/start.sh --fetch-only  only fetch and unpack it, and find a Java 21+ (CI does this first)
#
# Needs: Java 21+ (Apicurio 3 is built for it; Java 17 is not enough), node, and mvn on the first run (it fetches
# io.apicurio:apicurio-registry-app:<version>:tar.gz:all from Maven Central into ~/.m2 and unpacks it under
# .registry/).
#
# Environment:
#   REGISTRY_PORT             HTTP port on 127.0.0.1 (the APIs)           (default 8081)
#   REGISTRY_MANAGEMENT_PORT  management port on 127.0.0.1 (health)      (default REGISTRY_PORT+1000, i.e. 9081)
#   REGISTRY_PID_FILE         pid file of the registry this script starts (default .registry/registry.pid)
#   REGISTRY_LOG_DIR          where its output goes                       (default .registry/logs)
#   REGISTRY_READY_TIMEOUT    seconds to wait for readiness               (default 90)
#   REGISTRY_HEAP_OPTS        JVM heap options                            (default -Xms64m -Xmx512m)
#   REGISTRY_JAVA             the java binary to use (else the first Java 21+ among JAVA_HOME, PATH, /usr/lib/jvm/*)
#   REGISTRY_WATCH_PID        if set: stop the registry once that process is gone (the tests use it)
# Storage is in memory: every start is an empty registry.
set -euo pipefail

APICURIO_VERSION=3.3.3

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$ROOT"

abs() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$ROOT/$1" ;; esac; }

PORT="${REGISTRY_PORT:-8081}"
MANAGEMENT_PORT="${REGISTRY_MANAGEMENT_PORT:-$((PORT + 1000))}"
PID_FILE="$(abs "${REGISTRY_PID_FILE:-.registry/registry.pid}")"
LOG_DIR="$(abs "${REGISTRY_LOG_DIR:-.registry/logs}")"
READY_TIMEOUT="${REGISTRY_READY_TIMEOUT:-90}"
HEAP_OPTS="${REGISTRY_HEAP_OPTS:--Xms64m -Xmx512m}"
DIST="$ROOT/.registry/apicurio-registry-$APICURIO_VERSION"
URL="http://127.0.0.1:$PORT/apis/ccompat/v7"

log() { printf 'registry: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

command -v node >/dev/null || die "node not found"

# ---------------------------------------------------------------- fetch (once)
fetch() {
  local marker="$DIST/.complete"
  [ -f "$marker" ] && return 0
  command -v mvn >/dev/null || die "mvn not found: needed once to fetch Apicurio Registry $APICURIO_VERSION from Maven Central"
  mkdir -p "$ROOT/.registry"
  exec 9>"$ROOT/.registry/.fetch.lock"
  flock 9 # another start.sh may be fetching right now
  if [ ! -f "$marker" ]; then
    log "fetching Apicurio Registry $APICURIO_VERSION from Maven Central into .registry/ (first run only, ~160 MB)"
    local tmp="$ROOT/.registry/fetch.tmp.$$"
    rm -rf "$tmp" "$DIST"
    mkdir -p "$tmp"
    if ! mvn -q -B -f "$SCRIPT_DIR/pom.xml" dependency:copy \
      -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -DoutputDirectory="$tmp" >"$ROOT/.registry/mvn.log" 2>&1; then
      tail -n 30 "$ROOT/.registry/mvn.log" >&2
      rm -rf "$tmp"
      die "mvn could not fetch io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all (full output: .registry/mvn.log)"
    fi
    mkdir -p "$tmp/dist"
    tar -xzf "$tmp/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$tmp/dist"
    [ -f "$tmp/dist/quarkus-run.jar" ] || die "quarkus-run.jar missing from the Apicurio Registry archive"
    mv "$tmp/dist" "$DIST"
    rm -rf "$tmp"
    date -u +%FT%TZ >"$marker"
  fi
  exec 9>&-
}

# ---------------------------------------------------------------- a Java 21+
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_java() {
  local candidates=()
  [ -n "${REGISTRY_JAVA:-}" ] && candidates+=("$REGISTRY_JAVA")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null && candidates+=("$(command -v java)")
  local j
  for j in /usr/lib/jvm/*/bin/java /opt/java/*/bin/java; do [ -x "$j" ] && candidates+=("$j"); done
  for j in "${candidates[@]}"; do
    [ -x "$j" ] || continue
    local major
    major="$(java_major "$j")"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      printf '%s\n' "$j"
      return 0
    fi
  done
  return 1
}

fetch
JAVA="$(find_java)" || die "no Java 21+ found (Apicurio Registry 3 needs it; Java 17 is not enough): install one, or set REGISTRY_JAVA=/path/to/bin/java"
if [ "${1:-}" = "--fetch-only" ]; then
  echo "Apicurio Registry $APICURIO_VERSION is in ${DIST#"$ROOT/"}; it will run on $JAVA (Java $(java_major "$JAVA"))"
  exit 0
fi

# A pid counts as "our registry" only if it is alive and runs this distribution's quarkus-run.jar.
is_our_registry() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [ -r "/proc/$pid/cmdline" ] || return 0 # no procfs: trust the live pid
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-jar $DIST/quarkus-run.jar"
}

port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

wait_ready() { node "$SCRIPT_DIR/wait-ready.js" "$URL" "$1" "${2:-}"; }

mkdir -p "$(dirname "$PID_FILE")" "$LOG_DIR"

# ---------------------------------------------------------------- already running?
if [ -f "$PID_FILE" ]; then
  OLD_PID="$(cat "$PID_FILE" 2>/dev/null || true)"
  if is_our_registry "$OLD_PID"; then
    if wait_ready "$READY_TIMEOUT" "$OLD_PID"; then
      echo "Schema registry is already running: $URL (pid $OLD_PID)"
      exit 0
    fi
    die "registry pid $OLD_PID (from $PID_FILE) runs but does not answer on $URL; run scripts/registry/stop.sh"
  fi
  rm -f "$PID_FILE" # stale
fi

for p in "$PORT" "$MANAGEMENT_PORT"; do
  if port_in_use "$p"; then
    die "port 127.0.0.1:$p is already in use by another process (not a registry started with $PID_FILE); set REGISTRY_PORT / REGISTRY_MANAGEMENT_PORT, or give --schema-registry another registry's URL"
  fi
done

T0=$SECONDS

# ---------------------------------------------------------------- start
# Quarkus settings as system properties: loopback only, in-memory storage (H2 in memory: every start is empty), quiet.
JAVA_OPTS=(
  $HEAP_OPTS
  -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$PORT"
  -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$MANAGEMENT_PORT"
  -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2
  -Dquarkus.http.access-log.enabled=false
  "-Dapicurio.storage.snapshot.location=$LOG_DIR"
)

# Background, immune to hangups, stdio detached (so callers waiting on our stdout don't hang).
nohup "$JAVA" "${JAVA_OPTS[@]}" -jar "$DIST/quarkus-run.jar" >"$LOG_DIR/registry.out" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$PID_FILE"

if [ -n "${REGISTRY_WATCH_PID:-}" ]; then
  # Watchdog: when REGISTRY_WATCH_PID exits, stop this registry (only if the pid file still names it).
  WATCH_PID="$REGISTRY_WATCH_PID" REG_PID="$PID" REGISTRY_PID_FILE="$PID_FILE" STOP_SH="$SCRIPT_DIR/stop.sh" \
    nohup bash -c '
      while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 "$REG_PID" 2>/dev/null; do sleep 1; done
      if kill -0 "$REG_PID" 2>/dev/null && [ "$(cat "$REGISTRY_PID_FILE" 2>/dev/null)" = "$REG_PID" ]; then
        bash "$STOP_SH"
      fi' >/dev/null 2>&1 </dev/null &
fi
log "started Apicurio Registry $APICURIO_VERSION (pid $PID, $("$JAVA" -version 2>&1 | head -n 1)) on 127.0.0.1:$PORT (management 127.0.0.1:$MANAGEMENT_PORT), output in ${LOG_DIR#"$ROOT/"}/registry.out; waiting for its API"

if wait_ready "$READY_TIMEOUT" "$PID"; then
  echo "Schema registry is ready after $((SECONDS - T0))s (pid $PID): --schema-registry $URL"
  exit 0
fi

if [ -s "$LOG_DIR/registry.out" ]; then
  log "---- last lines of ${LOG_DIR#"$ROOT/"}/registry.out ----"
  tail -n 40 "$LOG_DIR/registry.out" >&2
fi
if kill -0 "$PID" 2>/dev/null; then
  log "registry did not become ready within ${READY_TIMEOUT}s; stopping it"
  REGISTRY_PID_FILE="$PID_FILE" REGISTRY_STOP_TIMEOUT=10 bash "$SCRIPT_DIR/stop.sh" || true
else
  log "registry process $PID exited"
fi
rm -f "$PID_FILE"
exit 1
