// A CRUD round and a live subscription over connect-mqtt's entity-sync protocol (docs/protocol.md), with mqtt.js.
// Usage: MQTT_URL=mqtt://127.0.0.1:1883 TOPIC_PREFIX=spec node crud-and-subscribe.mjs
import mqtt from 'mqtt';

const url = process.env.MQTT_URL || 'mqtt://127.0.0.1:1883';
const prefix = process.env.TOPIC_PREFIX || 'spec';
const clientId = `example-js-${Math.random().toString(16).slice(2, 10)}`;
const requestTopic = `${prefix}/${clientId}/request`;
const pending = new Map();
const notifications = [];
let sequence = 0;

const client = await mqtt.connectAsync(url, {
  clientId,
  protocolVersion: 5,
  // If this process dies without a clean DISCONNECT, the broker sends this and entity sync drops our subscriptions.
  will: { topic: requestTopic, payload: JSON.stringify({ id: 'will', type: 'disconnect' }), qos: 1 },
});
client.on('message', (topic, payload) => {
  const message = JSON.parse(payload.toString());
  if (message.type === 'notification') {
    notifications.push(message);
    return;
  }
  const waiting = pending.get(message.id);
  if (waiting) {
    pending.delete(message.id);
    waiting(message);
  }
});
await client.subscribeAsync([`${prefix}/${clientId}/response`, `${prefix}/${clientId}/notify/+`], { qos: 1 });

/** Sends one envelope and resolves with its reply (or rejects with the protocol's error code). */
function request(envelope) {
  const id = `js-${++sequence}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${id} within 15 s`)), 15000);
    pending.set(id, (reply) => {
      clearTimeout(timer);
      if (reply.success) resolve(reply);
      else reject(Object.assign(new Error(`${reply.error.code}: ${reply.error.message}`), { code: reply.error.code }));
    });
    client.publish(requestTopic, JSON.stringify({ id, ...envelope }), { qos: 1 });
  });
}

const pong = await request({ type: 'ping' });
console.log(`ping -> ${pong.type}`);

const subscription = (await request({ type: 'subscription', operation: 'subscribe', entity: 'users',
  options: { filters: [{ column: 'status', operator: 'eq', value: 'active' }] } })).data;
console.log(`subscribed ${subscription.subscription_id} on ${subscription.notify_topic}`);

const email = `${clientId}@example.com`;
const created = (await request({ type: 'request', operation: 'create', entity: 'users',
  data: { name: 'Lin (JavaScript example)', email, status: 'active' } })).data;
console.log(`created users #${created.id}: ${JSON.stringify(created)}`);

const one = (await request({ type: 'request', operation: 'read', entity: 'users', record_id: created.id })).data;
const page = await request({ type: 'request', operation: 'read', entity: 'users', options: {
  filters: [{ column: 'email', operator: 'eq', value: email }], columns: ['id', 'name'], limit: 10 } });
console.log(`read #${one.id} (${one.name}); list with filter -> ${page.data.length} of ${page.metadata.total}`);

const updated = (await request({ type: 'request', operation: 'update', entity: 'users', record_id: created.id,
  data: { name: 'Lin, renamed' } })).data;
console.log(`updated users #${updated.id}: name=${updated.name}`);

try {
  await request({ type: 'request', operation: 'read', entity: 'users',
    options: { filters: [{ column: 'pasword', operator: 'eq', value: 'x' }] } });
  throw new Error('an unknown column was accepted');
} catch (error) {
  console.log(`unknown column -> ${error.code}`);
}

const deleted = (await request({ type: 'request', operation: 'delete', entity: 'users', record_id: created.id })).data;
console.log(`deleted users #${deleted.record_id}`);

const deadline = Date.now() + 15000;
while (notifications.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
console.log(`notifications received: ${notifications.map((n) => n.operation).join(', ')}`);

await request({ type: 'subscription', operation: 'unsubscribe', subscription_id: subscription.subscription_id });
console.log('unsubscribed');
await client.endAsync();
if (notifications.map((n) => n.operation).join(',') !== 'create,update,delete') process.exit(1);
