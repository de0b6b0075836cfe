#!/usr/bin/env bash
# Stop the schema registry started by scripts/registry/start.sh.   (npm run registry:stop)
# Signals ONLY the pid recorded in the pid file, and only if it still runs Apicurio's quarkus-run.jar: SIGTERM, then
# SIGKILL if it is still alive after REGISTRY_STOP_TIMEOUT seconds (default 20).
#
# Environment: REGISTRY_PID_FILE (default .registry/registry.pid), REGISTRY_STOP_TIMEOUT.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
PID_FILE="${REGISTRY_PID_FILE:-.registry/registry.pid}"
case "$PID_FILE" in /*) ;; *) PID_FILE="$ROOT/$PID_FILE" ;; esac
STOP_TIMEOUT="${REGISTRY_STOP_TIMEOUT:-20}"

# Alive and not a zombie (an unreaped exited process still answers kill -0).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [ "$state" != Z ]
}

if [ ! -f "$PID_FILE" ]; then
  echo "Schema registry is not running (no ${PID_FILE#"$ROOT/"})"
  exit 0
fi

PID="$(cat "$PID_FILE" 2>/dev/null || true)"
if ! [[ "$PID" =~ ^[0-9]+$ ]] || ! alive "$PID"; then
  echo "Schema registry is not running (stale pid file, pid '${PID}'); removing ${PID_FILE#"$ROOT/"}"
  rm -f "$PID_FILE"
  exit 0
fi

# Guard against pid reuse: only signal a process that runs Apicurio Registry from .registry/.
if [ -r "/proc/$PID/cmdline" ] && ! tr '\0' ' ' <"/proc/$PID/cmdline" | grep -q -- "-jar $ROOT/.registry/apicurio-registry-[^ ]*/quarkus-run.jar"; then
  echo "pid $PID from ${PID_FILE#"$ROOT/"} is not the schema registry (pid reused?); not touching it, removing the pid file"
  rm -f "$PID_FILE"
  exit 0
fi

kill -TERM "$PID" 2>/dev/null || true
deadline=$((SECONDS + STOP_TIMEOUT))
while alive "$PID" && [ "$SECONDS" -lt "$deadline" ]; do
  sleep 0.2
done

if alive "$PID"; then
  echo "Schema registry (pid $PID) still alive after ${STOP_TIMEOUT}s; sending SIGKILL"
  kill -KILL "$PID" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$PID" || break
    sleep 0.1
  done
fi

rm -f "$PID_FILE"
echo "Schema registry stopped (pid $PID)"
