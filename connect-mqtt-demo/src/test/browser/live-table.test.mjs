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
