#!/usr/bin/env bash
# The main job: builds the plugins, then runs the demo on an embedded stack (HiveMQ CE, PostgreSQL, Kafka, a Connect
# worker loading our plugins and Debezium's from plugin.path), a sensor fleet and a Sparkplug edge node. No Docker.
# Ctrl-C stops every process. Options: --mqtt-port=1883 --mqtt-ws-port=8000 --kafka-port=9092 --connect-port=8083 --http-port=8080 --metrics-port=9404 --duration=SECONDS
# --devices-per-site=3 --rate=2 --dashboard=auto|on|off (a port that is taken is replaced by a free one)
set -euo pipefail
cd "$(dirname "$0")"
./mvnw -q -B -DskipTests install
mkdir -p connect-mqtt-demo/target/demo-tmp
exec java -Xmx1g -Dlogback.configurationFile=logback-demo.xml -Djava.io.tmpdir="$PWD/connect-mqtt-demo/target/demo-tmp" \
  -cp "connect-mqtt-demo/target/classes:$(cat connect-mqtt-demo/target/classpath.txt)" \
  io.connectmqtt.demo.Demo "$@"
