// The live users table: speaks PROTOCOL.md over MQTT over WebSocket with mqtt.js. It subscribes to changes of
// public.users first and reads the table second, so no change between the two is missed; notifications are applied
// by primary key, so a change seen both ways is harmless. Notifications of a row come in commit order, but a reply
// (or the read) may come after the notification of a later change to its row: another task publishes it, on another
// topic. So a row notified after a request went out keeps what the notifications say, and the reply's row is left;
// the notification of the request's own change comes in any case.
(async function () {
  'use strict';
  const config = await (await fetch('config.json')).json();
  const prefix = config.prefix;
  const clientId = 'web-' + Math.random().toString(16).slice(2, 10);
  const requestTopic = `${prefix}/${clientId}/request`;
  const users = new Map();
  const pending = new Map();
  let sequence = 0;
  let subscriptionId = null;
  let notifications = 0;
  const lastNotified = new Map();
  const notifiedSince = (id, since) => (lastNotified.get(String(id)) || 0) > since;

  const $ = (id) => document.getElementById(id);
  const tbody = $('users');

  const client = mqtt.connect(config.websocketUrl, {
    clientId,
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 2000,
    // The broker publishes this if the page goes away without a clean DISCONNECT: entity sync then drops the
    // page's subscriptions.
    will: { topic: requestTopic, payload: JSON.stringify({ id: 'will', type: 'disconnect' }), qos: 1 },
  });

  function setConnection(state, text) {
    $('connection').dataset.state = state;
    $('connection-text').textContent = text;
  }

  function request(envelope) {
    const id = `${clientId}-${++sequence}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { pending.delete(id); reject(new Error('no reply within 15 s')); }, 15000);
      pending.set(id, { resolve, reject, timer });
      client.publish(requestTopic, JSON.stringify({ id, ...envelope }), { qos: 1 });
    });
  }

  function showError(error) {
    const box = $('error');
    box.textContent = error ? String(error.message || error) : '';
    box.style.display = error ? 'block' : 'none';
  }

  function logActivity(html) {
    const item = document.createElement('li');
    item.innerHTML = html;
    $('activity').prepend(item);
    while ($('activity').children.length > 60) $('activity').lastChild.remove();
  }

  function text(value) {
    const span = document.createElement('span');
    span.textContent = value == null ? '' : String(value);
    return span.innerHTML;
  }

  function render(flashId) {
    const rows = [...users.values()].sort((a, b) => Number(a.id) - Number(b.id));
    tbody.replaceChildren(...rows.map((user) => renderRow(user, String(user.id) === String(flashId))));
    $('count').textContent = `(${rows.length})`;
  }

  function renderRow(user, flash) {
    const row = document.createElement('tr');
    row.dataset.id = user.id;
    row.dataset.testid = 'user-row';
    if (flash) row.className = 'flash';
    row.innerHTML = `<td>${text(user.id)}</td><td data-field="name">${text(user.name)}</td>`
      + `<td data-field="email">${text(user.email)}</td>`
      + `<td data-field="status"><span class="status status-${text(user.status)}">${text(user.status)}</span></td>`
      + `<td class="actions"><button class="secondary" data-action="edit">Edit</button>`
      + `<button class="danger" data-action="delete">Delete</button></td>`;
    row.querySelector('[data-action="edit"]').onclick = () => startEdit(row, user);
    row.querySelector('[data-action="delete"]').onclick = () => remove(user);
    return row;
  }

  function startEdit(row, user) {
    row.innerHTML = `<td>${text(user.id)}</td>`
      + `<td><input name="name" value="${text(user.name)}" maxlength="100"></td>`
      + `<td><input name="email" value="${text(user.email)}" maxlength="200"></td>`
      + `<td><select name="status">${['active', 'inactive', 'banned'].map((s) =>
        `<option${s === user.status ? ' selected' : ''}>${s}</option>`).join('')}</select></td>`
      + `<td class="actions"><button data-action="save">Save</button>`
      + `<button class="secondary" data-action="cancel">Cancel</button></td>`;
    row.querySelector('[data-action="cancel"]').onclick = () => render();
    row.querySelector('[data-action="save"]').onclick = async () => {
      const data = {
        name: row.querySelector('[name="name"]').value,
        email: row.querySelector('[name="email"]').value || null,
        status: row.querySelector('[name="status"]').value,
      };
      try {
        const since = notifications;
        const updated = await request({ type: 'request', operation: 'update', entity: 'users', record_id: user.id, data });
        if (!notifiedSince(updated.id, since)) users.set(String(updated.id), updated);
        showError(null);
        render(updated.id);
      } catch (e) { showError(e); }
    };
  }

  async function remove(user) {
    try {
      await request({ type: 'request', operation: 'delete', entity: 'users', record_id: user.id });
      users.delete(String(user.id));
      showError(null);
      render();
    } catch (e) { showError(e); }
  }

  $('create').onsubmit = async (event) => {
    event.preventDefault();
    const form = event.target;
    const data = { name: form.name.value, email: form.email.value || null, status: form.status.value };
    try {
      const since = notifications;
      const created = await request({ type: 'request', operation: 'create', entity: 'users', data });
      if (!notifiedSince(created.id, since)) users.set(String(created.id), created);
      form.reset();
      showError(null);
      render(created.id);
    } catch (e) { showError(e); }
  };

  client.on('message', (topic, payload) => {
    let message;
    try { message = JSON.parse(payload.toString()); } catch (e) { return; }
    if (message.type === 'notification' && message.entity === 'users') {
      const row = message.data || {};
      const id = String(row.id);
      // 'leave': the row no longer matches the subscription's filters (its data is the key only).
      const gone = message.operation === 'delete' || message.operation === 'leave';
      lastNotified.set(id, ++notifications);
      if (gone) users.delete(id); else users.set(id, row);
      logActivity(`<b>${text(message.operation)}</b> users #${text(row.id)} ${text(row.name || '')}`
        + ` <span title="${text(message.timestamp)}">${new Date().toLocaleTimeString()}</span>`);
      render(gone ? null : id);
      return;
    }
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.success) waiting.resolve(message.data);
    else waiting.reject(new Error(`${message.error.code}: ${message.error.message}`));
  });

  client.on('connect', async () => {
    setConnection('connected', `connected as ${clientId}`);
    $('notify-topic').textContent = `${prefix}/${clientId}/notify/+`;
    client.subscribe([`${prefix}/${clientId}/response`, `${prefix}/${clientId}/notify/+`], { qos: 1 });
    try {
      if (subscriptionId) {
        // After a reconnect: the old subscription may already be gone (the Will dropped it); either way is fine.
        await request({ type: 'subscription', operation: 'unsubscribe', subscription_id: subscriptionId }).catch(() => {});
      }
      subscriptionId = (await request({ type: 'subscription', operation: 'subscribe', entity: 'users' })).subscription_id;
      const since = notifications;
      const rows = await request({ type: 'request', operation: 'read', entity: 'users',
        options: { sort: [{ column: 'id', direction: 'asc' }], limit: 500 } });
      const read = new Map(rows.map((row) => [String(row.id), row]));
      [...users.keys()].filter((id) => !read.has(id) && !notifiedSince(id, since)).forEach((id) => users.delete(id));
      // A row from the read is newer than any reply to a request sent before it: it counts as notified.
      read.forEach((row, id) => {
        if (!notifiedSince(id, since)) {
          users.set(id, row);
          lastNotified.set(id, ++notifications);
        }
      });
      render();
      document.body.dataset.ready = 'true';
      logActivity(`<b>subscribed</b> to public.users, ${rows.length} rows loaded`);
    } catch (e) { showError(e); }
  });
  client.on('reconnect', () => setConnection('connecting', 'reconnecting…'));
  client.on('offline', () => setConnection('offline', 'offline'));
  client.on('error', (e) => showError(e));
})();
