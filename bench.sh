#!/usr/bin/env bash
# Load drivers (not timed tests): build, then measure a connector beside the raw ceiling of the same broker in the
# same run, and write the results into docs/benchmarks.md.
#   ./bench.sh [source] --messages=300000 --publishers=2 --payload=1024 --rate=10000 --rate-seconds=20 --tasks=1 --broker-window=1000 --warmup=50000 --repeats=3 --rate-lead-in-seconds=10
#   ./bench.sh --header-converters=default,mqtt,topic,none --messages=150000 --repeats=7 [--header-rate=10000]   (source: header paths compared)
#   ./bench.sh sink --messages=100000 --payload=1024 --rate=5000 --rate-seconds=20
#   ./bench.sh entity-sync --seconds=10 --warmup-seconds=20 --tasks=1 [--operations=echo,reads,writes,subscribes,reads-beside-a-lock] [--clients=1,10,50]
#   ./bench.sh notify --subscriptions=10000 --matches=10 --rates=20,100 --rate-seconds=20 --burst=3000
#   ./bench.sh header-micro --records=1000000 --rounds=11   (the worker's header step alone, in one JVM)
#   ./bench.sh sparkplug-micro --messages=200000 --rounds=11   (Sparkplug B decoding vs bytes pass-through, one JVM)
#   ./bench.sh brokers --backlog=100000 --messages=50000 --restart-messages=20000 [--brokers=HIVEMQ,MOSQUITTO]
#     [--throughput-only=true] [--variant.<label>.<key>=<value>]
#     (the table of docs/brokers.md: every broker of the matrix, one Kafka + Connect stack for the whole run)
#   ./bench.sh soak --messages=1000000 --rate=4000 [--broker=MOSQUITTO --tasks=3]
#     (three workers, three worker SIGKILLs, an MQTT broker restart and a Kafka SIGKILL: lost and duplicates counted)
#   ./bench.sh shared-probe --broker=HIVEMQ --members=1,2,4 --ack-delay-ms=5 --messages=20000 --persistence=false,true
#     --backlog=false,true [--wake=false,true]   (plain MQTT clients in one shared group, no Kafka; docs/brokers.md)
# --connector.<key>=<value> adds a key to the connector's config (brokers: --tuned.<key>=<value> to the tuned one).
# Each option is --name=value or --name value.
set -euo pipefail
cd "$(dirname "$0")"
./mvnw -q -B -DskipTests install
main=io.connectmqtt.bench.SourceBenchmark
case "${1:-}" in
  source) shift ;;
  sink) main=io.connectmqtt.bench.SinkBenchmark; shift ;;
  entity-sync) main=io.connectmqtt.bench.EntitySyncBenchmark; shift ;;
  notify) main=io.connectmqtt.bench.NotifyBenchmark; shift ;;
  header-micro) main=io.connectmqtt.bench.HeaderConverterMicroBenchmark; shift ;;
  sparkplug-micro) main=io.connectmqtt.bench.SparkplugDecodeMicroBenchmark; shift ;;
  brokers) main=io.connectmqtt.bench.BrokerBenchmark; shift ;;
  soak) main=io.connectmqtt.bench.SoakBenchmark; shift ;;
  shared-probe) main=io.connectmqtt.bench.SharedSubscriptionProbe; shift ;;
esac
mkdir -p connect-mqtt-bench/target/bench-tmp
exec java -Xmx2g -XX:MaxGCPauseMillis=20 -Dlogback.configurationFile=logback-demo.xml -Djava.io.tmpdir="$PWD/connect-mqtt-bench/target/bench-tmp" \
  -cp "connect-mqtt-bench/target/classes:$(cat connect-mqtt-bench/target/classpath.txt)" \
  "$main" "$@"
