// A reveal: the investigator asks on an authorised case, a different authorising officer
// approves at /reveals, and the investigator then sees the real identity.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PSEUDONYM, as, authorise, createCase, fill, goto, launch, shot, somePseudonym, submit,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an approved reveal shows the identity to the investigator who asked', async () => {
  const investigator = await as(browser, 'investigator');
  const pseudonym = await somePseudonym(investigator);

  // The person's timeline, pseudonymised.
  await goto(investigator, `/people/${pseudonym}`);
  assert.equal(await investigator.locator('#timeline').count(), 1);
  await shot(investigator, 'person-timeline');

  const title = `Reveal case ${Date.now()}`;
  const casePath = await createCase(investigator, title, pseudonym,
    'Access to a restricted record outside any tasking.');
  // No reveal before the case is authorised.
  await goto(investigator, casePath);
  assert.equal(await investigator.locator('form#request-reveal').count(), 0,
    'no reveal request on a proposed case');

  const officer1 = await as(browser, 'officer1');
  await authorise(officer1, casePath);

  await goto(investigator, casePath);
  await fill(investigator, 'form#request-reveal', {
    pseudonym,
    necessity: 'The subject must be interviewed under caution; the identity is needed to serve notice.',
    proportionality: 'Only this one person is revealed, to the investigating officer only, for this case.',
  });
  const requested = await submit(investigator, 'form#request-reveal');
  assert.ok(requested.status() < 400, `requesting answered ${requested.status()}`);
  await goto(investigator, casePath);
  assert.match((await investigator.locator('#reveals').innerText()).toLowerCase(), /pending|requested/);
  assert.equal(await investigator.locator('#revealed-identity').count(), 0, 'nothing revealed yet');

  // A different authorising officer approves.
  const officer2 = await as(browser, 'officer2');
  await goto(officer2, '/reveals');
  const approve = officer2.locator('form.approve-reveal').first();
  await approve.waitFor();
  await shot(officer2, 'reveals');
  await approve.locator('[name="note"]').fill('Necessary and proportionate for the interview.');
  const [approved] = await Promise.all([
    officer2.waitForNavigation({ waitUntil: 'load' }),
    approve.locator('button, input[type=submit]').first().click(),
  ]);
  assert.ok(approved.status() < 400, `approving answered ${approved.status()}`);

  // The investigator reveals.
  await goto(investigator, casePath);
  const reveal = investigator.locator('button.reveal').first();
  await reveal.waitFor();
  const navigation = investigator.waitForNavigation({ waitUntil: 'load' }).catch(() => null);
  await reveal.click();
  await navigation;
  const identity = investigator.locator('#revealed-identity');
  await identity.waitFor();
  const text = (await identity.innerText()).trim();
  assert.ok(text.length > 0, 'an identity is shown');
  assert.doesNotMatch(text, PSEUDONYM, 'the identity, not the pseudonym');
  await shot(investigator, 'case');

  for (const page of [investigator, officer1, officer2]) await page.context().close();
});
