#!/usr/bin/env bash
# Stop the broker started by scripts/kafka/start.sh.   (npm run kafka:stop)
# Signals ONLY the pid recorded in the pid file: SIGTERM (controlled shutdown),
# then SIGKILL if it is still alive after KAFKA_STOP_TIMEOUT seconds (default 30).
#
# Environment: KAFKA_PID_FILE (default .kafka/kafka.pid), KAFKA_STOP_TIMEOUT.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
PID_FILE="${KAFKA_PID_FILE:-.kafka/kafka.pid}"
case "$PID_FILE" in /*) ;; *) PID_FILE="$ROOT/$PID_FILE" ;; esac
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

# Alive and not a zombie (an unreaped exited process still answers kill -0).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [ "$state" != Z ]
}

if [ ! -f "$PID_FILE" ]; then
  echo "Kafka is not running (no ${PID_FILE#"$ROOT/"})"
  exit 0
fi

PID="$(cat "$PID_FILE" 2>/dev/null || true)"
if ! [[ "$PID" =~ ^[0-9]+$ ]] || ! alive "$PID"; then
  echo "Kafka is not running (stale pid file, pid '${PID}'); removing ${PID_FILE#"$ROOT/"}"
  rm -f "$PID_FILE"
  exit 0
fi

# Guard against pid reuse: only signal a process that is a Kafka broker.
if [ -r "/proc/$PID/cmdline" ] && ! tr '\0' ' ' <"/proc/$PID/cmdline" | grep -q 'kafka\.Kafka '; then
  echo "pid $PID from ${PID_FILE#"$ROOT/"} is not a Kafka broker (pid reused?); not touching it, removing the pid file"
  rm -f "$PID_FILE"
  exit 0
fi

kill -TERM "$PID" 2>/dev/null || true
deadline=$((SECONDS + STOP_TIMEOUT))
while alive "$PID" && [ "$SECONDS" -lt "$deadline" ]; do
  sleep 0.2
done

if alive "$PID"; then
  echo "Kafka (pid $PID) still alive after ${STOP_TIMEOUT}s; sending SIGKILL"
  kill -KILL "$PID" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$PID" || break
    sleep 0.1
  done
fi

rm -f "$PID_FILE"
echo "Kafka stopped (pid $PID)"
