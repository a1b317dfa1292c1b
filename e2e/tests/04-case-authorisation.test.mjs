// A case needs a second person's authorisation: its creator cannot authorise it, even holding
// the authorising-officer role; another authorising officer can.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  as, authorise, caseState, createCase, fill, goto, launch, somePseudonym, submit,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the creator cannot authorise their own case; another officer can', async () => {
  const lead = await as(browser, 'lead');
  const subject = await somePseudonym(lead);
  const title = `Lead's own case ${Date.now()}`;
  const casePath = await createCase(lead, title, subject,
    'Repeated look-ups of a colleague\'s records without a tasking.');
  await goto(lead, casePath);
  assert.match(await caseState(lead), /proposed/);

  // The creator: no authorise form, or a refusal if one is offered.
  if (await lead.locator('form#authorise').count() > 0) {
    await fill(lead, 'form#authorise', { note: 'Authorising my own case.' });
    const response = await submit(lead, 'form#authorise');
    assert.equal(response.status(), 403, 'the creator is refused');
  }
  await goto(lead, casePath);
  assert.match(await caseState(lead), /proposed/, 'still proposed after the creator tried');

  // A second authorising officer.
  const officer = await as(browser, 'officer1');
  await authorise(officer, casePath);
  await goto(lead, casePath);
  assert.match(await caseState(lead), /authori[sz]ed/);
  await lead.context().close();
  await officer.context().close();
});
