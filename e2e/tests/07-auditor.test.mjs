// An auditor sees the audit log and the chain's status, never the content.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { as, freshAlert, goto, launch, shot } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the auditor reads the audit log but no events or alert content', async () => {
  // An alert and one of its events, as the analyst sees them.
  const analyst = await as(browser, 'analyst');
  const alertId = await freshAlert(analyst);
  await goto(analyst, `/alerts/${encodeURIComponent(alertId)}`);
  const eventLink = analyst.locator('#evidence a[href^="/events/"]').first();
  await eventLink.waitFor();
  const eventPath = await eventLink.getAttribute('href');
  assert.equal((await goto(analyst, eventPath)).status(), 200, 'the analyst may read the event');
  await analyst.context().close();

  const auditor = await as(browser, 'auditor');
  const audit = await goto(auditor, '/audit');
  assert.equal(audit.status(), 200);
  const status = (await auditor.locator('#audit-status').innerText()).toLowerCase();
  assert.match(status, /verified/, `the chain verifies: ${status}`);
  assert.doesNotMatch(status, /broken/);
  assert.match(await auditor.locator('body').innerText(), /sign/i, 'sign-ins are in the log');
  await shot(auditor, 'audit');

  assert.equal((await goto(auditor, eventPath)).status(), 403, 'no event content');
  assert.equal((await goto(auditor, `/alerts/${encodeURIComponent(alertId)}`)).status(), 403,
    'no alert content');
  assert.equal((await goto(auditor, '/alerts')).status(), 403, 'no alert queue');
  assert.equal((await goto(auditor, '/search?q=source%3Arecords')).status(), 403, 'no search');
  await auditor.context().close();
});
