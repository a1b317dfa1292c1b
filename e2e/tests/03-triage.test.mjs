// An analyst triages: dismisses an alert with a reason and escalates another to a proposed case.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PSEUDONYM, as, caseByTitle, caseState, fill, freshAlert, goto, launch, shot, submit,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the analyst dismisses one alert and escalates another', async () => {
  const page = await as(browser, 'analyst');
  await shot(page, 'dashboard');
  for (const id of ['#open-alerts', '#trend', '#top-risks']) {
    assert.equal(await page.locator(id).count(), 1, `the dashboard shows ${id}`);
  }

  // The queue: rows, pseudonyms only.
  await goto(page, '/alerts');
  assert.ok(await page.locator('tr.alert').count() > 0, 'alerts in the queue');
  assert.equal(await page.locator('form#alert-filter').count(), 1);
  assert.equal(await page.locator('form#bulk-triage').count(), 1);
  const people = page.locator('tr.alert a.person');
  for (let i = 0; i < Math.min(await people.count(), 20); i += 1) {
    assert.match(await people.nth(i).innerText(), PSEUDONYM, 'people appear only as pseudonyms');
  }
  await shot(page, 'alert-queue');

  // Dismiss, with a reason.
  const dismissed = await freshAlert(page);
  await goto(page, `/alerts/${encodeURIComponent(dismissed)}`);
  assert.equal(await page.locator('#explanation').count(), 1);
  assert.equal(await page.locator('#evidence').count(), 1);
  await shot(page, 'alert-detail');
  await fill(page, 'form#dismiss', { reason: 'Known rota swap agreed by the duty inspector.' });
  const answer = await submit(page, 'form#dismiss');
  assert.ok(answer.status() < 400, `dismissing answered ${answer.status()}`);
  await goto(page, `/alerts/${encodeURIComponent(dismissed)}`);
  assert.match((await page.locator('#triage-status').innerText()).toLowerCase(), /dismissed/);

  // Escalate another to a proposed case.
  const escalated = await freshAlert(page);
  const title = `Escalated by the analyst ${Date.now()}`;
  await goto(page, `/alerts/${encodeURIComponent(escalated)}`);
  await fill(page, 'form#escalate', { title });
  const escalation = await submit(page, 'form#escalate');
  assert.ok(escalation.status() < 400, `escalating answered ${escalation.status()}`);
  await goto(page, `/alerts/${encodeURIComponent(escalated)}`);
  assert.match((await page.locator('#triage-status').innerText()).toLowerCase(), /escalated/);
  const casePath = await caseByTitle(page, title);
  await goto(page, casePath);
  assert.match(await caseState(page), /proposed/);
  assert.match(await page.locator('#links').innerText(), new RegExp(escalated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    'the case links the escalated alert');

  // A search, audited by the server; shown for the screenshots.
  await goto(page, '/search');
  await fill(page, 'form#search', { q: 'source:records' });
  await submit(page, 'form#search');
  assert.equal(await page.locator('form#search').count(), 1);
  await shot(page, 'search');
  await page.context().close();
});
