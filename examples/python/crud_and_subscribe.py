"""A CRUD round and a live subscription over connect-mqtt's entity-sync protocol (docs/protocol.md), with paho-mqtt.

Usage: MQTT_HOST=127.0.0.1 MQTT_PORT=1883 TOPIC_PREFIX=spec python3 crud_and_subscribe.py
Works with paho-mqtt 1.6 (Debian's python3-paho-mqtt) and 2.x (pip install paho-mqtt).
"""
import json
import os
import queue
import sys
import uuid

import paho.mqtt.client as mqtt

HOST = os.environ.get("MQTT_HOST", "127.0.0.1")
PORT = int(os.environ.get("MQTT_PORT", "1883"))
PREFIX = os.environ.get("TOPIC_PREFIX", "spec")
CLIENT_ID = "example-py-" + uuid.uuid4().hex[:8]
REQUEST_TOPIC = f"{PREFIX}/{CLIENT_ID}/request"


class ProtocolError(Exception):
    def __init__(self, error):
        super().__init__(f"{error['code']}: {error['message']}")
        self.code = error["code"]


class EntityClient:
    """Request/reply over MQTT: each request has an id, and the reply on {prefix}/{cid}/response carries it back."""

    def __init__(self):
        if hasattr(mqtt, "CallbackAPIVersion"):  # paho-mqtt 2.x
            self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=CLIENT_ID, protocol=mqtt.MQTTv5)
        else:
            self.client = mqtt.Client(client_id=CLIENT_ID, protocol=mqtt.MQTTv5)
        # If this process dies without a clean DISCONNECT, the broker sends this and our subscriptions are dropped.
        self.client.will_set(REQUEST_TOPIC, json.dumps({"id": "will", "type": "disconnect"}), qos=1)
        self.replies = {}
        self.notifications = queue.Queue()
        self.sequence = 0
        self.client.on_message = self._on_message

    def connect(self):
        self.client.connect(HOST, PORT, keepalive=30)
        self.client.loop_start()
        for topic in (f"{PREFIX}/{CLIENT_ID}/response", f"{PREFIX}/{CLIENT_ID}/notify/+"):
            result, mid = self.client.subscribe(topic, qos=1)
            assert result == mqtt.MQTT_ERR_SUCCESS, f"subscribe {topic}: {result}"

    def _on_message(self, client, userdata, message):
        body = json.loads(message.payload)
        if body.get("type") == "notification":
            self.notifications.put(body)
        elif body.get("id") in self.replies:
            self.replies[body["id"]].put(body)

    def request(self, envelope):
        self.sequence += 1
        request_id = f"py-{self.sequence}"
        self.replies[request_id] = queue.Queue()
        self.client.publish(REQUEST_TOPIC, json.dumps({"id": request_id, **envelope}), qos=1)
        try:
            reply = self.replies[request_id].get(timeout=15)
        except queue.Empty:
            raise TimeoutError(f"no reply to {request_id} within 15 s")
        finally:
            del self.replies[request_id]
        if not reply["success"]:
            raise ProtocolError(reply["error"])
        return reply

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def main():
    entities = EntityClient()
    entities.connect()
    print("ping ->", entities.request({"type": "ping"})["type"])

    subscription = entities.request({"type": "subscription", "operation": "subscribe", "entity": "users", "options": {
        "filters": [{"column": "status", "operator": "eq", "value": "active"}]}})["data"]
    print(f"subscribed {subscription['subscription_id']} on {subscription['notify_topic']}")

    email = f"{CLIENT_ID}@example.com"
    created = entities.request({"type": "request", "operation": "create", "entity": "users",
                                "data": {"name": "Mei (Python example)", "email": email, "status": "active"}})["data"]
    print(f"created users #{created['id']}: {json.dumps(created)}")

    one = entities.request({"type": "request", "operation": "read", "entity": "users",
                            "record_id": str(created["id"])})["data"]
    page = entities.request({"type": "request", "operation": "read", "entity": "users", "options": {
        "filters": [{"column": "email", "operator": "eq", "value": email}], "columns": ["id", "name"]}})
    print(f"read #{one['id']} ({one['name']}); list with filter -> {len(page['data'])} of {page['metadata']['total']}")

    updated = entities.request({"type": "request", "operation": "update", "entity": "users",
                                "record_id": created["id"], "data": {"name": "Mei, renamed"}})["data"]
    print(f"updated users #{updated['id']}: name={updated['name']}")

    try:
        entities.request({"type": "request", "operation": "read", "entity": "users", "options": {
            "filters": [{"column": "id", "operator": "contains", "value": 1}]}})
        raise SystemExit("an unknown operator was accepted")
    except ProtocolError as error:
        print("unknown operator ->", error.code)

    deleted = entities.request({"type": "request", "operation": "delete", "entity": "users",
                                "record_id": created["id"]})["data"]
    print(f"deleted users #{deleted['record_id']}")

    operations = []
    try:
        while len(operations) < 3:
            operations.append(entities.notifications.get(timeout=15)["operation"])
    except queue.Empty:
        pass
    print("notifications received:", ", ".join(operations))

    entities.request({"type": "subscription", "operation": "unsubscribe",
                      "subscription_id": subscription["subscription_id"]})
    print("unsubscribed")
    entities.close()
    return 0 if operations == ["create", "update", "delete"] else 1


if __name__ == "__main__":
    sys.exit(main())
