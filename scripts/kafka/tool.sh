#!/usr/bin/env bash
# Runs one of Apache Kafka's own command-line tools against a cluster, e.g.
#   bash scripts/kafka/tool.sh consumer-groups --bootstrap-server 127.0.0.1:9092 --describe --group wallet
# The tools' jars (the kafka-tools module, the broker's version) are fetched from Maven Central into
# .kafka/tools-lib the first time. Needs java 17+ and mvn (first run only).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LIB="$ROOT/.kafka/tools-lib"

tool="${1:-}"
shift || true
case "$tool" in
  consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  transactions) main=org.apache.kafka.tools.TransactionsCommand ;;
  get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
  *) echo "usage: tool.sh consumer-groups|transactions|get-offsets <the tool's options>" >&2; exit 2 ;;
esac

if [ ! -f "$LIB/.complete" ]; then
  command -v mvn >/dev/null || { echo "kafka tools: mvn not found (needed once to fetch the tools' jars)" >&2; exit 1; }
  mkdir -p "$ROOT/.kafka"
  tmp="$(mktemp -d "$ROOT/.kafka/tools-lib.XXXXXX")"
  if ! mvn -q -B -f "$SCRIPT_DIR/tools/pom.xml" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$ROOT/.kafka/tools-mvn.log" 2>&1; then
    tail -n 30 "$ROOT/.kafka/tools-mvn.log" >&2
    rm -rf "$tmp"
    echo "kafka tools: mvn could not fetch the jars (full output: .kafka/tools-mvn.log)" >&2
    exit 1
  fi
  touch "$tmp/.complete"
  rm -rf "$LIB"
  mv "$tmp" "$LIB"
fi

exec java -Dlog4j.configuration="file:$SCRIPT_DIR/tools/log4j.properties" -cp "$LIB/*" "$main" "$@"
