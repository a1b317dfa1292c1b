// The evidence pack of an authorised case: downloaded, extracted, its manifest verified, and a
// tampered copy caught.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  BASE, PROBITY_BIN, TMP, as, authorise, caseByTitle, fill, freshAlert, goto, launch, submit,
} from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the evidence pack downloads and its manifest verifies', async () => {
  // An analyst escalates an alert, so the case has events as evidence.
  const analyst = await as(browser, 'analyst');
  const alertId = await freshAlert(analyst);
  const title = `Evidence case ${Date.now()}`;
  await goto(analyst, `/alerts/${encodeURIComponent(alertId)}`);
  await fill(analyst, 'form#escalate', { title });
  await submit(analyst, 'form#escalate');
  const casePath = await caseByTitle(analyst, title);
  await analyst.context().close();

  const officer = await as(browser, 'officer1');
  await authorise(officer, casePath);
  await officer.context().close();

  const investigator = await as(browser, 'investigator');
  await goto(investigator, casePath);
  const link = investigator.locator('a#export-evidence');
  assert.equal(await link.count(), 1, 'an export link');
  const href = await link.getAttribute('href');
  const response = await investigator.request.get(new URL(href, BASE).toString());
  assert.equal(response.status(), 200);
  const zip = await response.body();
  assert.equal(zip.subarray(0, 2).toString(), 'PK', 'a ZIP file');

  const dir = fs.mkdtempSync(path.join(TMP, 'pack-'));
  const zipPath = path.join(dir, 'evidence.zip');
  fs.writeFileSync(zipPath, zip);
  const out = path.join(dir, 'extracted');
  execFileSync('unzip', ['-q', zipPath, '-d', out]);
  const manifest = fs.readFileSync(path.join(out, 'manifest.sha256'), 'utf8');
  for (const file of ['report.html', 'chain-of-custody.json', 'manifest.json']) {
    assert.ok(fs.existsSync(path.join(out, file)), `the pack has ${file}`);
  }
  assert.match(manifest, /report\.html/);
  assert.match(manifest, /chain-of-custody\.json/);
  const custody = JSON.parse(fs.readFileSync(path.join(out, 'chain-of-custody.json'), 'utf8'));
  assert.match(JSON.stringify(custody), /e2e\.investigator/, 'the custody record names who exported');

  // sha256sum checks every file against the manifest.
  const check = spawnSync('sha256sum', ['--strict', '-c', 'manifest.sha256'], { cwd: out, encoding: 'utf8' });
  assert.equal(check.status, 0, `sha256sum -c: ${check.stdout}${check.stderr}`);

  // The probity command agrees.
  const verify = spawnSync(PROBITY_BIN, ['case', 'verify-pack', zipPath], { encoding: 'utf8' });
  assert.equal(verify.status, 0, `probity case verify-pack: ${verify.stdout}${verify.stderr}`);

  // A changed report no longer matches.
  fs.appendFileSync(path.join(out, 'report.html'), '<!-- altered -->');
  const tampered = spawnSync('sha256sum', ['--strict', '-c', 'manifest.sha256'], { cwd: out, encoding: 'utf8' });
  assert.notEqual(tampered.status, 0, 'a tampered file fails the check');
  await investigator.context().close();
});
