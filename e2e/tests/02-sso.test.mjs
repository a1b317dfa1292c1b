// Single sign-on through a real OpenID Connect provider (oidc-provider on the loopback
// interface): the person lands signed in with the role their group maps to.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertSignedIn, goto, launch, newPage, pathOf } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('sign-in at the provider lands signed in with the mapped role', async () => {
  const login = process.env.PROBITY_SSO_LOGIN || 'sso.investigator';
  const page = await newPage(browser);
  await goto(page, '/login');
  const sso = page.locator('a#sso');
  assert.equal(await sso.count(), 1, 'the sign-in page offers single sign-on');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), sso.click()]);

  // The provider's own sign-in page.
  assert.notEqual(new URL(page.url()).origin, new URL(process.env.PROBITY_URL).origin,
    'the browser is at the provider');
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any-password');
  await Promise.all([
    page.waitForURL((url) => url.origin === new URL(process.env.PROBITY_URL).origin
      && !url.pathname.startsWith('/auth/oidc/'), { timeout: 20000 }),
    page.locator('button[type="submit"]').first().click(),
  ]);
  // Consent is granted automatically by the test provider; back at Probity, signed in.
  await assertSignedIn(page, login);
  assert.notEqual(pathOf(page), '/login');

  // The investigator role from the group probity-investigators: cases and the alert queue
  // open; the audit log and account administration do not.
  assert.equal((await goto(page, '/cases')).status(), 200);
  assert.equal((await goto(page, '/alerts')).status(), 200);
  assert.equal((await goto(page, '/audit')).status(), 403);
  assert.equal((await goto(page, '/admin/accounts')).status(), 403);
  await page.context().close();
});

test('a forged callback is refused', async () => {
  const page = await newPage(browser);
  const response = await goto(page, '/auth/oidc/callback?code=forged&state=never-issued');
  assert.ok(response.status() >= 400 || pathOf(page) === '/login',
    `a callback with an unknown state must not sign in (status ${response.status()})`);
  assert.equal(await page.locator('#signed-in-as').count(), 0);
  await page.context().close();
});
