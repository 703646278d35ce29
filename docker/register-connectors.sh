#!/bin/sh
# One-shot: waits for the Connect REST API, then registers every config/*.json (mounted at /config), as the
# embedded demo does. Re-running it updates the connectors (PUT is idempotent). DemoIT runs it against the demo.
set -eu
CONNECT_URL="${CONNECT_URL:-http://connect:8083}"
CONFIG_DIR="${CONFIG_DIR:-/config}"
until curl -fsS "$CONNECT_URL/connectors" >/dev/null 2>&1; do echo "waiting for $CONNECT_URL"; sleep 3; done
for file in "$CONFIG_DIR"/*.json; do
  name=$(sed -n 's/^ *"name": *"\([^"]*\)".*/\1/p' "$file" | head -1)
  # PUT /connectors/{name}/config takes the "config" object of the file.
  body=$(tr -d '\n' < "$file" | sed 's/^.*"config": *\({.*}\) *} *$/\1/')
  echo "PUT /connectors/$name/config <- $file"
  printf '%s' "$body" | curl -fsS -X PUT -H 'Content-Type: application/json' --data-binary @- \
    "$CONNECT_URL/connectors/$name/config" >/dev/null
done
curl -fsS "$CONNECT_URL/connectors?expand=status"
echo
