// Two browser contexts (two users, two MQTT connections) on the demo's live users page: each sees the other's
// create, edit and delete without a reload, and rows changed with plain SQL (captured by Debezium) appear too.
// Usage: DATABASE_URL=postgresql://... node live-table.test.mjs <page url> <screenshot.png>
import { chromium } from 'playwright-core';
import pg from 'pg';
import assert from 'node:assert/strict';

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error('usage: node live-table.test.mjs <page url> <screenshot.png>');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const timeout = 20_000;
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

const rowNamed = (page, name) => page.locator('tbody#users tr', { has: page.locator('td[data-field="name"]', { hasText: name }) });

// The MQTT packets in the bytes the broker sent so far (a WebSocket message may hold several, or part of one): each
// whole packet with its topic when it is a PUBLISH, and the bytes of an unfinished one left over.
function mqttPackets(bytes) {
  const packets = [];
  let start = 0;
  while (start + 2 <= bytes.length) {
    let i = start + 1;
    let length = 0;
    let multiplier = 1;
    let byte;
    do {
      if (i >= bytes.length) return { packets, rest: bytes.subarray(start) };
      byte = bytes[i++];
      length += (byte & 127) * multiplier;
      multiplier *= 128;
    } while (byte & 128);
    if (i + length > bytes.length) break;
    const packet = bytes.subarray(start, i + length);
    const topic = bytes[start] >> 4 === 3 ? bytes.subarray(i + 2, i + 2 + ((bytes[i] << 8) | bytes[i + 1])).toString('utf8') : null;
    packets.push({ packet, topic, bodyStart: i - start });
    start = i + length;
  }
  return { packets, rest: bytes.subarray(start) };
}

// A QoS 1 PUBLISH as QoS 0 (no packet id), and the PUBACK that acknowledges it to the broker.
function asQos0({ packet, bodyStart }) {
  const topicEnd = bodyStart + 2 + ((packet[bodyStart] << 8) | packet[bodyStart + 1]);
  const body = Buffer.concat([packet.subarray(bodyStart, topicEnd), packet.subarray(topicEnd + 2)]);
  const length = [];
  let rest = body.length;
  do {
    length.push((rest & 127) | (rest > 127 ? 128 : 0));
    rest >>= 7;
  } while (rest > 0);
  return {
    publish: Buffer.concat([Buffer.from([packet[0] & 0xf1, ...length]), body]),
    puback: Buffer.from([0x40, 2, packet[topicEnd], packet[topicEnd + 1]]),
  };
}

// A page whose replies the test can hold back while every other packet passes: what happens when the entity sync
// task answers late, as another task publishes the notifications on other topics. A held reply is acknowledged to
// the broker at once (HiveMQ CE sends a client nothing more while a message to it is unacknowledged) and shown to the
// page later, as QoS 0.
async function openPageWithHeldReplies(label) {
  const held = { on: false, packets: [] };
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  // Whole packets each way, so that a PUBACK of the test's never lands inside one of the page's.
  const wholePackets = (onPacket) => {
    let pending = Buffer.alloc(0);
    return (message) => {
      const { packets, rest } = mqttPackets(Buffer.concat([pending, Buffer.from(message)]));
      pending = Buffer.from(rest);
      packets.forEach(onPacket);
    };
  };
  await page.routeWebSocket(/.*/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage(wholePackets(({ packet }) => server.send(Buffer.from(packet))));
    server.onMessage(wholePackets((found) => {
      if (held.on && (found.topic || '').endsWith('/response') && ((found.packet[0] >> 1) & 3) === 1) {
        const { publish, puback } = asQos0(found);
        server.send(puback);
        held.packets.push(publish);
      } else {
        ws.send(Buffer.from(found.packet));
      }
    }));
    held.release = () => {
      held.on = false;
      held.packets.splice(0).forEach((packet) => ws.send(Buffer.from(packet)));
    };
  });
  page.on('pageerror', (error) => console.error(`[${label}] page error: ${error.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout });
  return { page, held };
}

async function openPage(label) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${label}] page error: ${error.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout });
  return page;
}

try {
  const alice = await openPage('alice');
  const bob = await openPage('bob');
  const unique = Date.now().toString(36);
  const name = `Playwright ${unique}`;

  // Alice creates a user; Bob sees it arrive as a notification.
  await alice.fill('[data-testid="new-name"]', name);
  await alice.fill('[data-testid="new-email"]', `pw-${unique}@example.com`);
  await alice.click('[data-testid="create"]');
  await rowNamed(bob, name).waitFor({ timeout });
  assert.equal(await rowNamed(bob, name).locator('td[data-field="email"]').textContent(), `pw-${unique}@example.com`);

  // Bob edits it; Alice sees the new name and status.
  const bobRow = rowNamed(bob, name);
  await bobRow.locator('[data-action="edit"]').click();
  const editing = bob.locator('tbody#users tr', { has: bob.locator('input[name="name"]') });
  await editing.locator('input[name="name"]').fill(`${name} edited`);
  await editing.locator('select[name="status"]').selectOption('inactive');
  await editing.locator('[data-action="save"]').click();
  await rowNamed(alice, `${name} edited`).waitFor({ timeout });
  assert.equal((await rowNamed(alice, `${name} edited`).locator('td[data-field="status"]').textContent()).trim(),
    'inactive');

  // A row inserted, changed and deleted with SQL, outside MQTT: both pages follow through CDC.
  const database = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await database.connect();
  const sqlName = `From SQL ${unique}`;
  const inserted = await database.query(
    "insert into public.users (name, email, status) values ($1, $2, 'active') returning id", [sqlName, `sql-${unique}@example.com`]);
  await rowNamed(alice, sqlName).waitFor({ timeout });
  await rowNamed(bob, sqlName).waitFor({ timeout });
  await database.query("update public.users set status = 'banned' where id = $1", [inserted.rows[0].id]);
  await alice.locator(`tbody#users tr[data-id="${inserted.rows[0].id}"] .status-banned`).waitFor({ timeout });

  await alice.screenshot({ path: screenshot, fullPage: true });

  await database.query('delete from public.users where id = $1', [inserted.rows[0].id]);
  await rowNamed(bob, sqlName).waitFor({ state: 'detached', timeout });

  // Carol's reply to her edit comes only after a later change of the row (with SQL) was notified: her page keeps the
  // later change instead of bringing her edit back.
  const { page: carol, held } = await openPageWithHeldReplies('carol');
  const raceName = `Race ${unique}`;
  const race = await database.query(
    "insert into public.users (name, email, status) values ($1, null, 'active') returning id", [raceName]);
  await rowNamed(carol, raceName).waitFor({ timeout });
  held.on = true;
  await rowNamed(carol, raceName).locator('[data-action="edit"]').click();
  const carolEditing = carol.locator('tbody#users tr', { has: carol.locator('input[name="name"]') });
  await carolEditing.locator('input[name="name"]').fill(`${raceName} by carol`);
  await carolEditing.locator('[data-action="save"]').click();
  await rowNamed(carol, `${raceName} by carol`).waitFor({ timeout });
  await database.query('update public.users set name = $1 where id = $2', [`${raceName} by SQL`, race.rows[0].id]);
  await rowNamed(carol, `${raceName} by SQL`).waitFor({ timeout });
  assert.ok(held.packets.length > 0, 'carol\'s reply was held');
  held.release();
  // A create's reply comes after the released ones on the same topic; the form is cleared only once it came.
  await carol.fill('[data-testid="new-name"]', `Sentinel ${unique}`);
  await carol.click('[data-testid="create"]');
  await carol.waitForFunction(() => document.querySelector('[data-testid="new-name"]').value === '', null, { timeout });
  assert.equal(await rowNamed(carol, `${raceName} by carol`).count(), 0, 'the late reply brought carol\'s edit back');
  assert.equal(await rowNamed(carol, `${raceName} by SQL`).count(), 1);
  await database.query('delete from public.users where id = $1 or name = $2', [race.rows[0].id, `Sentinel ${unique}`]);
  await database.end();

  // Markup in data is shown as text, never run.
  const markup = `<img src=x onerror="document.body.dataset.pwned=1"> ${unique}`;
  await bob.fill('[data-testid="new-name"]', markup);
  await bob.fill('[data-testid="new-email"]', '');
  await bob.click('[data-testid="create"]');
  await rowNamed(alice, markup).waitFor({ timeout });
  assert.equal(await alice.evaluate(() => document.body.dataset.pwned), undefined);

  // A server-side error reaches the page that caused it: a duplicate email is a conflict.
  await bob.fill('[data-testid="new-name"]', 'Duplicate');
  await bob.fill('[data-testid="new-email"]', `pw-${unique}@example.com`);
  await bob.click('[data-testid="create"]');
  await bob.locator('[data-testid="error"]', { hasText: 'conflict' }).waitFor({ timeout });

  // Alice deletes both rows; Bob sees them go.
  for (const rowName of [`${name} edited`, markup]) {
    await rowNamed(alice, rowName).locator('[data-action="delete"]').click();
    await rowNamed(bob, rowName).waitFor({ state: 'detached', timeout });
  }
  const activity = await bob.locator('[data-testid="activity"] li').allTextContents();
  assert.ok(activity.some((line) => line.startsWith('delete')), `Bob's activity shows the deletes: ${activity}`);
  console.log(JSON.stringify({ passed: true, screenshot, bobActivity: activity.slice(0, 6) }));
} finally {
  await browser.close();
}
