// Local sign-in with TOTP: enrolment at the first sign-in, then sign-ins that need a code; a
// wrong code is refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ACCOUNTS, assertSignedIn, enrolTotp, fill, goto, launch, newPage, nextCode, pathOf, shot, signOut, submit,
  wrongCode,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('first sign-in enrols TOTP; later sign-ins need a valid code', async () => {
  const { name, password } = ACCOUNTS.administrator;
  const page = await newPage(browser);

  // Not signed in: pages send the browser to /login.
  await goto(page, '/');
  assert.equal(pathOf(page), '/login');

  // First sign-in: no code yet, so enrolment.
  await fill(page, 'form#login', { username: name, password });
  await submit(page, 'form#login');
  assert.equal(pathOf(page), '/account/totp');
  await enrolTotp(page, name);
  assert.equal(pathOf(page), '/');
  await assertSignedIn(page, name);
  await signOut(page);

  // Signed out: the dashboard is closed again.
  await goto(page, '/');
  assert.equal(pathOf(page), '/login');

  // A wrong code is refused with the error shown.
  await fill(page, 'form#login', { username: name, password, code: wrongCode(name) });
  await submit(page, 'form#login');
  assert.equal(pathOf(page), '/login');
  assert.ok((await page.locator('#error').innerText()).trim().length > 0, 'an error is shown');
  assert.equal(await page.locator('#signed-in-as').count(), 0);

  // The right password without any code is refused too, now that TOTP is set up.
  await fill(page, 'form#login', { username: name, password });
  await submit(page, 'form#login');
  assert.equal(await page.locator('#signed-in-as').count(), 0, 'no sign-in without the code');

  // A wrong password with a valid code is refused.
  await goto(page, '/login');
  await fill(page, 'form#login', { username: name, password: `${password}x`, code: await nextCode(name) });
  await submit(page, 'form#login');
  assert.equal(await page.locator('#signed-in-as').count(), 0, 'no sign-in with a wrong password');

  // The right code signs in.
  await goto(page, '/login');
  await fill(page, 'form#login', { username: name, password, code: await nextCode(name) });
  await submit(page, 'form#login');
  await assertSignedIn(page, name);

  // The administrator sees source health on the dashboard and may manage accounts.
  await goto(page, '/');
  assert.equal(await page.locator('#source-health').count(), 1, 'source health on the dashboard');
  const accounts = await goto(page, '/admin/accounts');
  assert.equal(accounts.status(), 200);
  // ...but sees no alert content.
  const alerts = await goto(page, '/alerts');
  assert.equal(alerts.status(), 403);
  await shot(page, 'admin-accounts');
  await page.context().close();
});
