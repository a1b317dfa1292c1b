// Shared helpers of the workbench's browser tests: the browser, signing in (with TOTP), forms,
// screenshots. The Rust harness (crates/probity/tests/browser.rs) sets the environment:
//   PROBITY_URL        the workbench, e.g. http://127.0.0.1:PORT
//   PROBITY_ACCOUNTS   JSON {key: {name, password}} for administrator, analyst, investigator,
//                      officer1, officer2, auditor, lead
//   PROBITY_E2E_STATE  a JSON file the tests share (TOTP secrets, steps used, alerts used)
//   PROBITY_E2E_TMP    a scratch folder
//   PROBITY_BIN        the probity binary
//   PROBITY_SSO_LOGIN  the test account at the OpenID Connect provider
//   PROBITY_SCREENSHOTS  when set, a folder for PNG screenshots of the main pages

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.PROBITY_URL;
export const ACCOUNTS = JSON.parse(process.env.PROBITY_ACCOUNTS || '{}');
export const TMP = process.env.PROBITY_E2E_TMP || '/tmp';
export const PROBITY_BIN = process.env.PROBITY_BIN || 'probity';
const STATE = process.env.PROBITY_E2E_STATE || path.join(TMP, 'e2e-state.json');
const PSEUDONYM = /P-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/;
export { PSEUDONYM };

assert.ok(BASE, 'PROBITY_URL must be set (run these tests through cargo test --test browser)');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh context and page; requests leaving the loopback interface are refused. */
export async function newPage(browser) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  await context.route((url) => !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname),
    (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  return page;
}

// ---- TOTP (RFC 6238: HMAC-SHA-1, 30 s, 6 digits) ----

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.toUpperCase().replace(/[^A-Z2-7]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of clean) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, '0');
}

export const currentStep = () => Math.floor(Date.now() / 1000 / 30);

function loadState() {
  try {
    return JSON.parse(fs.readFileSync(STATE, 'utf8'));
  } catch {
    return { secrets: {}, lastStep: {}, usedAlerts: [] };
  }
}

function saveState(state) {
  fs.writeFileSync(STATE, JSON.stringify(state, null, 2));
}

export function updateState(change) {
  const state = loadState();
  change(state);
  saveState(state);
  return state;
}

export const secretOf = (name) => loadState().secrets[name];

/**
 * The earliest step whose code the server still takes for at least `margin` seconds: a step's
 * code is accepted until the end of the step after it (one step of drift either way).
 */
const earliestUsableStep = (margin = 10) => Math.floor((Date.now() / 1000 + margin) / 30) - 1;

/**
 * A code the server will take: each step is accepted once and one step of drift either way is
 * allowed, so use the earliest acceptable step after the last one used, waiting when needed.
 * The step must stay acceptable for a few seconds more, or a code made just before a step ends
 * can be refused by the time a loaded machine has submitted it.
 */
export async function nextCode(name) {
  const state = loadState();
  const secret = state.secrets[name];
  assert.ok(secret, `no TOTP secret known for ${name}`);
  const last = state.lastStep[name] ?? -1;
  let step = Math.max(last + 1, earliestUsableStep());
  while (step > currentStep() + 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  step = Math.max(step, earliestUsableStep());
  state.lastStep[name] = step;
  saveState(state);
  return totpAt(secret, step);
}

/** A six-digit code that is wrong now (not any acceptable step's code). */
export function wrongCode(name) {
  const secret = secretOf(name);
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totpAt(secret, currentStep() + d)));
  for (let n = 123456; ; n += 1) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

// ---- pages and forms ----

/** Submits a form by its button and waits for the page that answers; gives the response. */
export async function submit(page, formSelector) {
  const button = page.locator(`${formSelector} button[type=submit], ${formSelector} input[type=submit], ${formSelector} button:not([type])`).first();
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    button.click(),
  ]);
  return response;
}

/** Fills the fields of a form that exist (optional ones may be absent). */
export async function fill(page, formSelector, values) {
  for (const [name, value] of Object.entries(values)) {
    const field = page.locator(`${formSelector} [name="${name}"]`);
    if (await field.count() === 0) continue;
    const tag = await field.first().evaluate((el) => el.tagName.toLowerCase());
    if (tag === 'select') {
      await field.first().selectOption(value);
    } else {
      await field.first().fill(value);
    }
  }
}

export async function goto(page, pathOrUrl) {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${BASE}${pathOrUrl}`;
  return page.goto(url, { waitUntil: 'load' });
}

export const pathOf = (page) => new URL(page.url()).pathname;

/** Asserts the page shows a signed-in session of `name`. */
export async function assertSignedIn(page, name) {
  const who = page.locator('#signed-in-as');
  await who.waitFor();
  assert.match(await who.innerText(), new RegExp(name.replace(/\./g, '\\.')));
  assert.equal(await page.locator('form#sign-out').count(), 1, 'a sign-out form');
}

/**
 * Signs in as one of PROBITY_ACCOUNTS (by key), enrolling TOTP at the first sign-in and using
 * a fresh code afterwards.
 */
export async function signIn(page, key) {
  const account = ACCOUNTS[key];
  assert.ok(account, `no account ${key} in PROBITY_ACCOUNTS`);
  await goto(page, '/login');
  await fill(page, 'form#login', { username: account.name, password: account.password });
  if (secretOf(account.name)) {
    await fill(page, 'form#login', { code: await nextCode(account.name) });
  }
  await submit(page, 'form#login');
  if (pathOf(page) === '/account/totp') {
    await enrolTotp(page, account.name);
  }
  await assertSignedIn(page, account.name);
}

/** On /account/totp: reads the secret, keeps it, confirms with a code. */
export async function enrolTotp(page, name) {
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}=*$/i, 'a base32 secret');
  updateState((state) => {
    state.secrets[name] = secret;
    delete state.lastStep[name];
  });
  await fill(page, 'form#totp', { code: await nextCode(name) });
  await submit(page, 'form#totp');
}

export async function signOut(page) {
  await submit(page, 'form#sign-out');
  assert.equal(pathOf(page), '/login');
}

/** A new page signed in as `key`. */
export async function as(browser, key) {
  const page = await newPage(browser);
  await signIn(page, key);
  return page;
}

export async function shot(page, name) {
  const dir = process.env.PROBITY_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** Ids of the alert rows on /alerts (as shown to the page's account). */
export async function alertIds(page, query = '') {
  await goto(page, `/alerts${query}`);
  const rows = page.locator('tr.alert');
  const ids = [];
  for (let i = 0; i < await rows.count(); i += 1) {
    ids.push(await rows.nth(i).getAttribute('data-alert-id'));
  }
  return ids.filter(Boolean);
}

/** An alert no other test has used yet; marks it used. */
export async function freshAlert(page) {
  const used = new Set(loadState().usedAlerts);
  const ids = await alertIds(page);
  assert.ok(ids.length > 0, 'the alert queue has alerts');
  const id = ids.find((candidate) => !used.has(candidate));
  assert.ok(id, 'an alert no other test has used');
  updateState((state) => state.usedAlerts.push(id));
  return id;
}

/** The link to the case titled `title` on /cases. */
export async function caseByTitle(page, title) {
  await goto(page, '/cases');
  const row = page.locator('tr.case', { hasText: title }).first();
  await row.waitFor();
  const href = await row.locator('a[href^="/cases/"]').first().getAttribute('href');
  assert.ok(href, `a link to case "${title}"`);
  return href;
}

export async function caseState(page) {
  return (await page.locator('#case-state').innerText()).trim().toLowerCase();
}

/** Creates a case at /cases as the page's account; gives its path. */
export async function createCase(page, title, subjects, summary) {
  await goto(page, '/cases');
  await fill(page, 'form#new-case', { title, subjects, summary });
  await submit(page, 'form#new-case');
  return caseByTitle(page, title);
}

/** An authorising officer's page authorises the case at `casePath`. */
export async function authorise(page, casePath) {
  await goto(page, casePath);
  assert.equal(await page.locator('form#authorise').count(), 1, 'the officer sees form#authorise');
  await fill(page, 'form#authorise', { note: 'Proportionate and necessary: authorised for the browser tests.' });
  const response = await submit(page, 'form#authorise');
  assert.ok(response.status() < 400, `authorising answered ${response.status()}`);
  await goto(page, casePath);
  assert.match(await caseState(page), /authori[sz]ed/);
}

/** A pseudonym shown in the alert queue. */
export async function somePseudonym(page) {
  await goto(page, '/alerts');
  const person = page.locator('a.person').first();
  await person.waitFor();
  const text = (await person.innerText()).trim();
  assert.match(text, PSEUDONYM);
  return text.match(PSEUDONYM)[0];
}
