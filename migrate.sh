#!/usr/bin/env bash
# Translates another MQTT connector's config (Lenses stream-reactor, Camel mqtt5/mqtt, Confluent, jovacon; JSON as
# submitted to the Connect REST API or .properties) to ours. Ours goes to stdout, every key it could not translate
# (with the reason) and notes on changed behaviour to stderr. Exit status: 0 all translated, 2 some keys not, 1 error.
#   ./migrate.sh old-connector.json > mqtt-source.json
#   ./migrate.sh --properties old-connector.properties
# docs/migration.md maps every key and explains what behaves differently.
set -euo pipefail
cd "$(dirname "$0")"
module=connect-mqtt-migrate
if [ ! -f "$module/target/classpath.txt" ] || [ -n "$(find "$module/src/main" -newer "$module/target/classpath.txt" -print -quit)" ]; then
  # -am: the module's tests use the source and sink connectors, which Maven resolves even when tests are skipped.
  ./mvnw -q -B -pl "$module" -am package -Dmaven.test.skip=true >&2
fi
args=()
for arg in "$@"; do
  # The command runs from the repository root; keep relative paths the caller's.
  if [ -f "$OLDPWD/$arg" ] && [[ "$arg" != /* ]]; then args+=("$OLDPWD/$arg"); else args+=("$arg"); fi
done
exec java -cp "$module/target/classes:$(cat "$module/target/classpath.txt")" io.connectmqtt.migrate.Migrate "${args[@]}"
