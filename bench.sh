#!/usr/bin/env bash
# Load drivers (not timed tests): build, then measure the connector beside the raw ceiling of the same broker in
# the same run, and write the results into docs/benchmarks.md. Options: --messages=200000 --publishers=2
# --payload=1024 --rate=10000 --rate-seconds=20 --tasks=1
set -euo pipefail
cd "$(dirname "$0")"
./mvnw -q -B -DskipTests install
mkdir -p connect-mqtt-bench/target/bench-tmp
exec java -Xmx2g -Dlogback.configurationFile=logback-demo.xml -Djava.io.tmpdir="$PWD/connect-mqtt-bench/target/bench-tmp" \
  -cp "connect-mqtt-bench/target/classes:$(cat connect-mqtt-bench/target/classpath.txt)" \
  io.connectmqtt.bench.SourceBenchmark "$@"
