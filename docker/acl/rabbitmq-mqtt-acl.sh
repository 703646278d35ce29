#!/bin/sh
# RabbitMQ (MQTT plugin) permissions for entity sync (topic prefix "spec"): each client's topics are bound to its
# broker user name. Run once per user, after "rabbitmqctl add_user <user> <password>":
#
#   rabbitmq-mqtt-acl.sh <user> [vhost]      (RABBITMQCTL=/path/to/rabbitmqctl to use another rabbitmqctl)
#
# Identity is the user name RabbitMQ authenticated, never the MQTT client id: any client may connect with any
# client id. Topic permissions use RabbitMQ's {username} expansion, so the rule is the same for every client and
# names no one but the caller. The MQTT plugin publishes to the topic exchange amq.topic with the MQTT topic as
# routing key, '/' turned into '.' (spec/alice/request is checked as spec.alice.request; a subscription to
# spec/alice/notify/# as spec.alice.notify.#, '+' as '*'). User names may hold only letters, digits, '_' and '-'.
#
# A client's subscriptions live in queues named after its MQTT client id (mqtt-subscription-<client id>qos0/qos1).
# So that no one can attach to another user's queued replies by choosing its client id, a user may subscribe only
# with the client id <user> or <user>.<anything> (e.g. alice.phone; '.' cannot occur in a user name). The
# connectors' users use client ids <user>-<task> (mqtt.client.id entity-sync gives entity-sync-0 for task 0).
#
# Also set mqtt.allow_anonymous = false in rabbitmq.conf and delete the guest user (rabbitmqctl delete_user guest).
# Tested by BrokerAclIT against Debian's RabbitMQ 3.10.
set -eu

user="${1:?usage: rabbitmq-mqtt-acl.sh <user> [vhost]}"
vhost="${2:-/}"
ctl="${RABBITMQCTL:-rabbitmqctl}"
case "$user" in
  '' | *[!A-Za-z0-9_-]*)
    echo "rabbitmq-mqtt-acl.sh: user names may hold only letters, digits, '_' and '-': $user" >&2
    exit 2
    ;;
esac

case "$user" in
  entity-sync)
    # Reads every client's requests (one task: RabbitMQ has no shared subscriptions) and answers on the client's
    # response topic.
    queues="mqtt-subscription-$user-[0-9]+qos[01]"
    publish='^spec\.[^.]+\.response(\..+)?$'
    subscribe='^spec\.\*\.request$'
    ;;
  entity-notify)
    # Publishes notifications only: no queue.
    queues=''
    publish='^spec\.[^.]+\.notify\..+$'
    subscribe='^$'
    ;;
  *)
    # A client: requests on its own request topic; replies and notifications on its own topics only.
    queues="mqtt-subscription-$user(\\.[A-Za-z0-9_-]+)?qos[01]"
    publish='^spec\.{username}\.request$'
    subscribe='^spec\.{username}\.(response|notify)(\..+)?$'
    ;;
esac

if [ -n "$queues" ]; then
  "$ctl" set_permissions -p "$vhost" "$user" "^$queues\$" "^(amq\\.topic|$queues)\$" "^(amq\\.topic|$queues)\$"
else
  "$ctl" set_permissions -p "$vhost" "$user" '^$' '^amq\.topic$' '^$'
fi
"$ctl" set_topic_permissions -p "$vhost" "$user" amq.topic "$publish" "$subscribe"
