#!/usr/bin/env bash
# Start a real single-node Apache Kafka broker (KRaft, no ZooKeeper, no Docker)
# in the background and wait until it serves requests.   (npm run kafka:start)
#
# Needs: java 17+, mvn (first run only: fetches the jars into .kafka/lib), node.
#
# Environment:
#   KAFKA_PORT             broker port on 127.0.0.1            (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1  (default KAFKA_PORT+10001, i.e. 19093)
#   KAFKA_DATA_DIR         instance dir: kraft data, generated config, logs (default .kafka/data)
#   KAFKA_PID_FILE         pid file of the broker this script starts (default .kafka/kafka.pid)
#   KAFKA_FRESH=1          stop that broker if it runs, wipe KAFKA_DATA_DIR, start on an empty cluster
#   KAFKA_READY_TIMEOUT    seconds to wait for readiness      (default 90)
#   KAFKA_HEAP_OPTS        JVM heap options                   (default -Xms256m -Xmx768m)
#   KAFKA_EXTRA_CONFIG     broker settings appended to the generated server.properties, one key=value per line
#                          (tests use it for offsets.retention.minutes=1)
#   KAFKA_WATCH_PID        if set: stop the broker once that process is gone (used by the tests,
#                          so a crashed or killed test run never leaves a broker behind)
# Relative paths are relative to the repository root.
set -euo pipefail

KAFKA_VERSION=3.9.2 # keep in sync with scripts/kafka/pom.xml

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$ROOT"

abs() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$ROOT/$1" ;; esac; }

PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 10001))}"
DATA_DIR="$(abs "${KAFKA_DATA_DIR:-.kafka/data}")"
PID_FILE="$(abs "${KAFKA_PID_FILE:-.kafka/kafka.pid}")"
READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-90}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
LIB_DIR="$ROOT/.kafka/lib"
PROPS="$DATA_DIR/server.properties"
LOG_DIR="$DATA_DIR/logs"
BROKERS="127.0.0.1:$PORT"

log() { printf 'kafka: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

command -v java >/dev/null || die "java not found (need Java 17+)"
command -v node >/dev/null || die "node not found"

# A pid counts as "our broker" only if it is alive and is kafka.Kafka started with this config.
is_our_broker() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [ -r "/proc/$pid/cmdline" ] || return 0 # no procfs: trust the live pid
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $PROPS"
}

port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

wait_ready() { node "$SCRIPT_DIR/wait-ready.js" "$BROKERS" "$1" "${2:-}"; }

show_log_tail() {
  for f in "$LOG_DIR/kafka.out" "$LOG_DIR/server.log"; do
    if [ -s "$f" ]; then
      log "---- last lines of $f ----"
      tail -n 40 "$f" >&2
    fi
  done
}

mkdir -p "$ROOT/.kafka"

# ---------------------------------------------------------------- already running?
if [ -f "$PID_FILE" ]; then
  OLD_PID="$(cat "$PID_FILE" 2>/dev/null || true)"
  if is_our_broker "$OLD_PID"; then
    if [ "${KAFKA_FRESH:-0}" = 1 ]; then
      log "KAFKA_FRESH=1: stopping the running broker (pid $OLD_PID) first"
      KAFKA_PID_FILE="$PID_FILE" bash "$SCRIPT_DIR/stop.sh"
    elif wait_ready "$READY_TIMEOUT" "$OLD_PID"; then
      echo "Kafka is already running on $BROKERS (pid $OLD_PID)"
      exit 0
    else
      die "broker pid $OLD_PID (from $PID_FILE) is running but does not answer on $BROKERS; run scripts/kafka/stop.sh"
    fi
  else
    rm -f "$PID_FILE" # stale
  fi
fi

for p in "$PORT" "$CONTROLLER_PORT"; do
  if port_in_use "$p"; then
    die "port 127.0.0.1:$p is already in use by another process (not a broker started with $PID_FILE); set KAFKA_PORT / KAFKA_CONTROLLER_PORT, or use KAFKA_BROKERS for an existing cluster"
  fi
done

T0=$SECONDS

# ---------------------------------------------------------------- jars
MARKER="$LIB_DIR/.kafka-$KAFKA_VERSION.complete"
if [ ! -f "$MARKER" ]; then
  command -v mvn >/dev/null || die "mvn not found: needed once to fetch Kafka $KAFKA_VERSION jars into .kafka/lib"
  exec 9>"$ROOT/.kafka/.lib.lock"
  flock 9 # another start.sh may be fetching right now
  if [ ! -f "$MARKER" ]; then
    log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into .kafka/lib (first run only)"
    rm -rf "$LIB_DIR"
    TMP_LIB="$ROOT/.kafka/lib.tmp.$$"
    rm -rf "$TMP_LIB"
    if ! mvn -q -B -f "$SCRIPT_DIR/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$TMP_LIB" >"$ROOT/.kafka/mvn.log" 2>&1; then
      tail -n 30 "$ROOT/.kafka/mvn.log" >&2
      rm -rf "$TMP_LIB"
      die "mvn could not fetch the Kafka jars (full output: .kafka/mvn.log)"
    fi
    [ -f "$TMP_LIB/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
    mv "$TMP_LIB" "$LIB_DIR"
    date -u +%FT%TZ >"$MARKER"
  fi
  exec 9>&-
fi

# ---------------------------------------------------------------- data dir + config
if [ "${KAFKA_FRESH:-0}" = 1 ]; then
  case "$DATA_DIR" in
    "$ROOT/.kafka/"?*) ;; # only ever wipe below .kafka/
    *) [ -f "$DATA_DIR/server.properties" ] || die "KAFKA_FRESH=1: refusing to wipe $DATA_DIR (outside .kafka/ and not a broker data dir)" ;;
  esac
  log "KAFKA_FRESH=1: wiping $DATA_DIR"
  rm -rf "$DATA_DIR"
fi
mkdir -p "$DATA_DIR/kraft" "$LOG_DIR"

sed -e "s|@BROKER_PORT@|$PORT|g" \
  -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
  -e "s|@LOG_DIRS@|$DATA_DIR/kraft|g" \
  "$SCRIPT_DIR/server.properties.template" >"$PROPS"
if [ -n "${KAFKA_EXTRA_CONFIG:-}" ]; then
  printf '\n# KAFKA_EXTRA_CONFIG\n%s\n' "$KAFKA_EXTRA_CONFIG" >>"$PROPS"
fi

JAVA_OPTS=(
  $HEAP_OPTS
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$SCRIPT_DIR/log4j.properties"
  "-Dkafka.logs.dir=$LOG_DIR"
  -cp "$LIB_DIR/*"
)

if [ ! -f "$DATA_DIR/kraft/meta.properties" ]; then
  # base64url may start with '-', which StorageTool's argument parser takes for an option: draw until it does not.
  CLUSTER_ID="$(node -e "let id; do id = require('crypto').randomBytes(16).toString('base64url'); while (id.startsWith('-')); process.stdout.write(id)")"
  log "formatting $DATA_DIR/kraft (cluster id $CLUSTER_ID)"
  if ! java "${JAVA_OPTS[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$PROPS" --ignore-formatted \
    >"$LOG_DIR/format.out" 2>&1; then
    cat "$LOG_DIR/format.out" >&2
    die "formatting the storage failed"
  fi
fi

# ---------------------------------------------------------------- start
# Background, immune to hangups, stdio detached (so callers waiting on our stdout don't hang).
nohup java "${JAVA_OPTS[@]}" kafka.Kafka "$PROPS" >"$LOG_DIR/kafka.out" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$PID_FILE"

if [ -n "${KAFKA_WATCH_PID:-}" ]; then
  # Watchdog: when KAFKA_WATCH_PID exits, stop this broker (only if the pid file still names it).
  WATCH_PID="$KAFKA_WATCH_PID" BROKER_PID="$PID" KAFKA_PID_FILE="$PID_FILE" STOP_SH="$SCRIPT_DIR/stop.sh" \
    nohup bash -c '
      while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 "$BROKER_PID" 2>/dev/null; do sleep 1; done
      if kill -0 "$BROKER_PID" 2>/dev/null && [ "$(cat "$KAFKA_PID_FILE" 2>/dev/null)" = "$BROKER_PID" ]; then
        KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}" bash "$STOP_SH"
      fi' >/dev/null 2>&1 </dev/null &
fi
log "started broker pid $PID on $BROKERS (controller 127.0.0.1:$CONTROLLER_PORT), logs in ${LOG_DIR#"$ROOT/"}; waiting for it to serve requests"

if wait_ready "$READY_TIMEOUT" "$PID"; then
  echo "Kafka is ready on $BROKERS (pid $PID) after $((SECONDS - T0))s"
  exit 0
fi

show_log_tail
if kill -0 "$PID" 2>/dev/null; then
  log "broker did not become ready within ${READY_TIMEOUT}s; stopping it"
  KAFKA_PID_FILE="$PID_FILE" KAFKA_STOP_TIMEOUT=10 bash "$SCRIPT_DIR/stop.sh" || true
else
  log "broker process $PID exited"
fi
rm -f "$PID_FILE"
exit 1
