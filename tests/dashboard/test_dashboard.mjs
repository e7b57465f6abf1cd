// The dashboard in a real browser: Debian's chromium driven by
// playwright-core, against a running lab (test_dashboard.sh sets it up and
// passes its settings in the environment):
//   DASH_URL  DASH_JID  DASH_PASSWORD  SHOTS (screenshot directory)
//   SACMCTL and SACM_CONFIG (to ask the grid what the page should show)
//   CHANGE_CMD (a shell command that changes one target; its endpoint
//   gets a new result)  CHANGED (that endpoint)
//   BROKER_STOP_CMD  BROKER_START_CMD
//   WAIVER (a waiver in force on CHANGED)  WAIVED_RULE (the rule it waives)
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const env = process.env;
let fails = 0;
const ok = (what) => console.log('ok   ' + what);
const no = (what, why) => { console.log('FAIL ' + what + (why ? ': ' + why : '')); fails++; };
async function check(what, fn) {
  try { const r = await fn(); if (r === false) no(what); else ok(what); } catch (e) { no(what, e.message.split('\n')[0]); }
}
const ctl = (args) => JSON.parse(execSync(`${env.SACMCTL} ${args} --json`, { encoding: 'utf8' }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
const page = await context.newPage();
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));
const shot = (name) => page.screenshot({ path: `${env.SHOTS}/${name}.png`, fullPage: true });

try {
  await page.goto(env.DASH_URL);
  // A login that fails says so.
  await page.fill('#jid', env.DASH_JID);
  await page.fill('#password', 'not-the-password');
  await page.click('button[type=submit]');
  await check('a failed login says so', async () => {
    await page.waitForSelector('#login-error:not([hidden])', { timeout: 20000 });
    return /login failed/i.test(await page.textContent('#login-error'));
  });
  await shot('login-failed');
  consoleErrors.length = 0;	// the refused login is logged by the browser

  await page.fill('#password', env.DASH_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('body[data-status=online]', { timeout: 30000 });
  ok('signs in with SCRAM-SHA-256 over WebSocket (TLS)');

  // The estate view: every endpoint, same score and counts as sacmctl.
  const expected = ctl('results');
  await page.waitForSelector('#estate tbody tr', { timeout: 30000 });
  await check(`the estate lists every endpoint (${expected.length}) with sacmctl's score and counts`, async () => {
    const rows = await page.$$eval('#estate tbody tr', (trs) => trs.map((tr) => {
      const cell = (c) => tr.querySelector(`[data-col=${c}]`).textContent;
      return { endpoint: tr.dataset.endpoint, score: cell('score'), pass: cell('pass'), fail: cell('fail'), na: cell('notapplicable') };
    }));
    if (rows.length !== expected.length) throw new Error(`${rows.length} rows, sacmctl has ${expected.length}`);
    for (const e of expected) {
      const r = rows.find((x) => x.endpoint === e.endpoint);
      if (!r) throw new Error(`no row for ${e.endpoint}`);
      // sacmctl --json gives numbers; the page shows text
      if (r.score !== Number(e.score).toFixed(1) || r.pass !== String(e.pass) || r.fail !== String(e.fail) || r.na !== String(e.notapplicable))
        throw new Error(`${e.endpoint}: page ${JSON.stringify(r)}, sacmctl ${e.score}/${e.pass}/${e.fail}/${e.notapplicable}`);
    }
  });
  await check('the estate sorts by a column', async () => {
    await page.click('th[data-key=score]');
    const s = await page.$$eval('#estate tbody td[data-col=score]', (tds) => tds.map((t) => Number(t.textContent)));
    return s.every((v, i) => i === 0 || s[i - 1] <= v);
  });
  await check('... and filters', async () => {
    const host = expected[0].hostname;
    await page.fill('#filter', host);
    const n = await page.$$eval('#estate tbody tr', (trs) => trs.length);
    await page.fill('#filter', '');
    return n === expected.filter((e) => e.hostname === host).length;
  });
  await check("the estate shows each endpoint's waived score beside its score, as sacmctl does", async () => {
    for (const e of expected) {
      const v = await page.textContent(`#estate tr[data-endpoint="${e.endpoint}"] td[data-col=waived-score]`);
      if (v !== Number(e['waived-score']).toFixed(1)) throw new Error(`${e.endpoint}: page ${v}, sacmctl ${e['waived-score']}`);
    }
  });
  await shot('estate');

  // The dashboard account cannot publish (asked from the page).
  await check('the dashboard account cannot publish (forbidden, from the page)', async () => {
    const r = await page.evaluate(() => window.sacmDashboard.tryPublish('sacm/results'));
    if (!/forbidden|not-allowed|not-authorized/.test(r)) throw new Error('publish answered ' + r);
  });

  // A new result appears without a reload.
  const before = await page.getAttribute(`#estate tr[data-endpoint="${env.CHANGED}"] td[data-col=evaluated]`, 'data-value');
  await page.evaluate(() => { window.__notReloaded = true; });
  execSync(env.CHANGE_CMD);
  await check('a new result (after a change on a target) appears without a reload', async () => {
    await page.waitForFunction(([ep, b]) => {
      const td = document.querySelector(`#estate tr[data-endpoint="${ep}"] td[data-col=evaluated]`);
      return td && td.dataset.value && td.dataset.value !== b;
    }, [env.CHANGED, before], { timeout: 180000 });
    if (!(await page.evaluate(() => window.__notReloaded))) throw new Error('the page was reloaded');
    const now = ctl('results').find((e) => e.endpoint === env.CHANGED);
    const fail = await page.textContent(`#estate tr[data-endpoint="${env.CHANGED}"] td[data-col=fail]`);
    if (fail !== String(now.fail)) throw new Error(`page fail ${fail}, sacmctl ${now.fail}`);
  });

  // Assessments and topics.
  await page.click('nav a[data-view=assessments]');
  await check('the assessments view lists the recent assessments with progress', async () => {
    await page.waitForSelector('#recent tbody tr', { timeout: 10000 });
    return (await page.$$('#recent .bar')).length > 0;
  });
  await shot('assessments');
  await page.click('nav a[data-view=topics]');
  await check('the topic browser lists the 19 topics with pubsub#type and item counts', async () => {
    await page.waitForSelector('#topics tbody tr', { timeout: 20000 });
    const rows = await page.$$eval('#topics tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const res = rows.find((r) => r[0] === 'sacm/results');
    return rows.length === 19 && res && res[1] === 'http://sacm-grid.dev/protocol/1' && Number(res[2]) === expected.length;
  });
  await shot('topics');

  // The endpoint page: rule results, filter, chart, diff, report.
  await page.click('nav a[data-view=estate]');
  await page.click(`#estate tr[data-endpoint="${env.CHANGED}"]`);
  await page.waitForSelector('#rules tbody tr', { timeout: 20000 });
  const rules = ctl(`results rules ${env.CHANGED}`);
  await check(`the endpoint page shows its rule results (${rules.length})`, async () => {
    const n = await page.$$eval('#rules tbody tr', (t) => t.length);
    return n === rules.length;
  });
  await check('... filtered by result', async () => {
    await page.selectOption('#filter-result', 'fail');
    const n = await page.$$eval('#rules tbody tr', (t) => t.length);
    await page.selectOption('#filter-result', '');
    return n === rules.filter((r) => r.result === 'fail').length;
  });
  await check('... with the score over time as a chart (a point per evaluation)', async () => {
    const n = await page.$$eval('#score-chart circle', (c) => c.length);
    return n === ctl(`results history ${env.CHANGED}`).filter((e) => e.state === 'complete').length && n >= 2;
  });
  await check('... and the difference between the last two evaluations', async () => {
    await page.waitForSelector('#diff-table tbody tr', { timeout: 20000 });
    const d = ctl(`results diff ${env.CHANGED}`);
    const n = await page.$$eval('#diff-table tbody tr', (t) => t.length);
    return n === d.length;
  });
  await check('... a waived rule is marked, with its reason, approver and expiry', async () => {
    const row = `#rules tr[data-rule="${env.WAIVED_RULE}"]`;
    const w = ctl('waivers').find((x) => x.id === env.WAIVER);
    const cls = await page.getAttribute(row, 'class');
    const note = await page.textContent(`${row} .waiver-note`);
    if (!/waived/.test(cls || '')) throw new Error('row not marked');
    if (!note.includes(w.reason) || !note.includes(w.expires) || !note.includes(w['granted-by'])) throw new Error('note: ' + note);
    return (await page.textContent(`${row} .waived-mark`)) === 'waived';
  });
  await check('... and its waived score', async () => {
    const h = ctl(`results history ${env.CHANGED}`).filter((e) => e.state === 'complete')[0];
    return (await page.textContent('#waived-score')) === Number(h['waived-score']).toFixed(1);
  });
  await shot('endpoint');
  await check("the bash fix downloads, the same as sacmctl remediation's (waived rules left out)", async () => {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click('#remediation')]);
    const got = await (await import('node:fs')).promises.readFile(await dl.path(), 'utf8');
    const want = execSync(`${env.SACMCTL} remediation ${env.CHANGED} --type bash 2>/dev/null`, { encoding: 'utf8' });
    if (!got.startsWith('#!/usr/bin/env bash')) throw new Error('not a bash script');
    if (got.includes(`fix for '${env.WAIVED_RULE}'`)) throw new Error('the waived rule is fixed');
    if (got !== want) throw new Error(`page ${got.length} bytes, sacmctl ${want.length}`);
  });
  await shot('remediation');
  await check('the HTML report opens', async () => {
    const [popup] = await Promise.all([context.waitForEvent('page', { timeout: 60000 }), page.click('#report')]);
    await popup.waitForLoadState();
    const title = await popup.title();
    await popup.screenshot({ path: `${env.SHOTS}/report.png` });
    await popup.close();
    if (!/OpenSCAP/i.test(title) && !/report/i.test(title)) throw new Error('title ' + title);
  });

  await page.click('nav a[data-view=waivers]');
  await check('the waivers view lists every waiver with its state, reason and expiry', async () => {
    await page.waitForSelector(`#waivers tr[data-waiver="${env.WAIVER}"]`, { timeout: 20000 });
    const cells = await page.$$eval(`#waivers tr[data-waiver="${env.WAIVER}"] td`, (t) => t.map((x) => x.textContent));
    const w = ctl('waivers').find((x) => x.id === env.WAIVER);
    return cells[1] === 'active' && cells[4] === w.reason && cells[7] === w.expires;
  });
  await shot('waivers');
  await page.click('nav a[data-view=vulnerabilities]');
  await check('the vulnerabilities view: the estate by endpoint, as sacmctl vulns counts it', async () => {
    await page.waitForSelector('#vulns-by-endpoint tbody tr', { timeout: 20000 });
    const rows = await page.$$eval('#vulns-by-endpoint tbody tr', (trs) => trs.map((tr) => [tr.dataset.endpoint, tr.querySelector('[data-col=vulnerable]').textContent]));
    const want = ctl('vulns').map((e) => [e.endpoint, String(e.vulnerable)]);
    if (rows.length !== want.length || !want.every(([e, v]) => rows.some(([re, rv]) => re === e && rv === v)))
      throw new Error(`page ${JSON.stringify(rows)}, sacmctl ${JSON.stringify(want)}`);
  });
  await check('... and by CVE, each with its endpoints; a CVE opens who has it', async () => {
    const want = ctl('vulns cves');
    const rows = await page.$$eval('#vulns-by-cve tbody tr', (trs) => trs.map((tr) => [tr.dataset.cve, tr.querySelector('[data-col=endpoints]').textContent]));
    if (rows.length !== want.length || !want.every((c) => rows.some(([rc, rn]) => rc === c.cve && rn === String(c.endpoints))))
      throw new Error(`${rows.length} rows, sacmctl has ${want.length}`);
    await page.click(`#vulns-by-cve tr[data-cve="${want[0].cve}"]`);
    await page.waitForSelector('#who tbody tr', { timeout: 20000 });
    return (await page.$$('#who tbody tr')).length === ctl(`vulns who ${want[0].cve}`).length;
  });
  await shot('vulnerabilities');
  await check('the page logged no console errors', async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join(' | '));
  });

  // The broker goes away: the page says so and reconnects when it is back.
  await page.click('nav a[data-view=estate]');
  execSync(env.BROKER_STOP_CMD);
  await check('a broker that is unreachable is shown as such', async () => {
    await page.waitForSelector('body[data-status=reconnecting]', { timeout: 30000 });
    await shot('broker-unreachable');
  });
  execSync(env.BROKER_START_CMD);
  await check('... and the page reconnects when it is back, with the estate', async () => {
    await page.waitForSelector('body[data-status=online]', { timeout: 90000 });
    await page.waitForSelector('#estate tbody tr', { timeout: 20000 });
  });
} catch (e) {
  no('the dashboard test ran to the end', e.message.split('\n')[0]);
  await shot('failure').catch(() => {});
} finally {
  await browser.close();
}
process.exit(fails ? 1 : 0);
