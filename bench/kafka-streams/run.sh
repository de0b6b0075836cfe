#!/usr/bin/env bash
# The wallet on Kafka Streams (see src/main/java/bench/wallet/WalletStreams.java).
#
#   bench/kafka-streams/run.sh <bootstrap-servers> <application-id> <topic-prefix> <state-dir>
#   bench/kafka-streams/run.sh --build              # build only
#   bench/kafka-streams/run.sh --fingerprints       # CRC-64-AVRO fingerprints of the schemas, as Avro computes them
#   bench/kafka-streams/run.sh --describe <prefix>  # Topology.describe()
#
# Builds with Maven on first use (and again when the sources, pom or schemas change; the jars are cached under ~/.m2),
# then execs the JVM, so the caller's pid is the JVM's: SIGTERM closes Kafka Streams and exits 0.
# KS_JAVA_OPTS: JVM options (default -Xms128m -Xmx512m -XX:+UseG1GC).
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$DIR/target/wallet-kafka-streams.jar"
CP_FILE="$DIR/target/classpath.txt"

build() {
  exec 9>"$DIR/.build.lock"
  flock 9
  if [ -f "$JAR" ] && [ -f "$CP_FILE" ] &&
    [ -z "$(find "$DIR/pom.xml" "$DIR/src" "$DIR/../../schemas" -newer "$JAR" -type f 2>/dev/null | head -n 1)" ]; then
    exec 9>&-
    return 0
  fi
  command -v mvn >/dev/null || { echo "kafka-streams: mvn not found" >&2; exit 1; }
  echo "kafka-streams: building with Maven (first run downloads Kafka Streams and Avro from Maven Central)" >&2
  if ! mvn -q -B -f "$DIR/pom.xml" package >"$DIR/target-build.log" 2>&1; then
    tail -n 40 "$DIR/target-build.log" >&2
    echo "kafka-streams: mvn package failed (full output: $DIR/target-build.log)" >&2
    exit 1
  fi
  rm -f "$DIR/target-build.log"
  exec 9>&-
}

build
if [ "${1:-}" = "--build" ]; then exit 0; fi

# shellcheck disable=SC2086
exec java ${KS_JAVA_OPTS:--Xms128m -Xmx512m -XX:+UseG1GC} -cp "$JAR:$(cat "$CP_FILE")" bench.wallet.WalletStreams "$@"
