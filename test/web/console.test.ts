import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { makeTree, run, startAgent, startServer, tempDir, type Proc, type Server } from '../e2e/harness.js';
import { haveChromium, launchChromium, measureTransfer, newPage, screenshot, watchConsole } from './browser.js';

const SEED = Number(process.env['E2E_SEED'] ?? 1414);
/** The console's first load (HTML, script, styles) must stay under this many bytes on the wire. */
const FIRST_LOAD_BUDGET = 200 * 1024;
/** A job page with this many restore batches must render within RENDER_BUDGET_MS. */
const BATCHES = 1000;
const RENDER_BUDGET_MS = 1000;

/**
 * The web console in Debian's Chromium against a real `cbs serve` (SQLite, no embedded
 * agent) and real agents on loopback, with real backups and restores. One server and
 * one browser for all steps, which build on each other: activation, a multi-volume
 * backup with a failed volume, a file restore through the wizard, a backup seen going
 * from PENDING to COMPLETED, a job with 1,000 batches, a viewer, a bad token.
 * Screenshots of every page land in test-artifacts/web/.
 */
test('web console in a real browser against a real server', { timeout: 300_000, skip: haveChromium() ? false : 'no Chromium at /usr/bin/chromium (apt-get install chromium; CBS_CHROMIUM to point elsewhere)' }, async (t) => {
  console.log(`seed ${SEED}`);
  const tmp = await tempDir('web');
  let server: Server | undefined;
  let agent: Proc | undefined;
  let browser: Browser | undefined;
  try {
    const site = join(tmp.dir, 'site');
    await makeTree(join(site, 'docs'), SEED, { files: 10, bigBytes: 200_000 });
    await makeTree(join(site, 'gone'), SEED + 1, { files: 3, bigBytes: 10_000 });
    await makeTree(join(site, 'spare'), SEED + 2, { files: 3, bigBytes: 10_000 });
    await mkdir(join(site, 'target'));
    const far = join(tmp.dir, 'far');
    await mkdir(join(far, 'inbox'), { recursive: true });

    server = await startServer(join(tmp.dir, 'home'), { CBS_EMBEDDED_AGENT: 'false', CBS_BODY_LIMIT: String(32 * 1024 * 1024) });
    const siteAgent = await startAgent(server, tmp.dir, { site });
    agent = siteAgent;
    const api = server.api;
    const we = await api.weByName('site');
    const vol = Object.fromEntries(await Promise.all(['docs', 'gone', 'spare', 'target'].map(async (n) => [n, await api.volumeByName(we.id, n)] as const)));
    // A second agent's working environment whose agent then stops: a restore into it stays PENDING.
    const farAgent = await startAgent(server, tmp.dir, { far });
    const farWe = await api.weByName('far');
    await api.volumeByName(farWe.id, 'inbox');
    await farAgent.stop();

    browser = await launchChromium();
    const { page } = await newPage(browser);
    const consoleLog = watchConsole(page);
    const url = (p: string): string => `${server!.url}/ui${p}`;

    /** In-page navigation to a job, as a click on a link does, timed until its last batch row is in the page. */
    const renderTime = (jobId: string): Promise<{ total: number; fetch: number; bytes: number }> => page.evaluate(`(async () => {
      const t0 = performance.now();
      performance.clearResourceTimings();
      history.pushState(null, '', '/ui/jobs/${jobId}');
      dispatchEvent(new PopStateEvent('popstate'));
      await new Promise((res) => {
        const check = () => { if (document.querySelectorAll('tr.batch').length >= ${BATCHES}) res(); else requestAnimationFrame(check); };
        check();
      });
      const total = performance.now() - t0;
      const f = performance.getEntriesByType('resource').find((e) => e.name.includes('/v1/job/${jobId}'));
      return { total, fetch: f ? f.responseEnd - f.startTime : 0, bytes: f ? f.encodedBodySize : 0 };
    })()`);

    await t.test('first load transfers under 200 KB compressed, and a bad token shows the sign-in error', async () => {
      const transfer = measureTransfer(page);
      await page.goto(url('/'));
      await page.waitForSelector('#token');
      await page.waitForLoadState('networkidle');
      const tr = await transfer();
      console.log(`first load: ${tr.bytes} bytes on the wire in ${tr.requests.length} responses: ${tr.requests.map((r) => `${r.url.replace(server!.url, '')} ${r.bytes} B ${r.encoding}`).join(', ')}`);
      assert.ok(tr.bytes < FIRST_LOAD_BUDGET, `first load ${tr.bytes} bytes ≥ ${FIRST_LOAD_BUDGET}`);
      for (const r of tr.requests.filter((x) => /\.(js|css)$|\/ui\/$/.test(x.url))) assert.equal(r.encoding, 'br', `${r.url} not sent brotli-compressed`);
      await screenshot(page, '01-sign-in');

      await page.fill('#token', 'not-a-token');
      await page.click('button[type=submit]');
      const err = page.locator('.sign-in [role=alert]');
      await err.waitFor();
      assert.match(await err.innerText(), /authorization header must be|token|AUTH_INVALID/i);
      assert.match(await err.innerText(), /AUTH_INVALID/);
      await screenshot(page, '02-sign-in-bad-token');
    });

    await t.test('an admin signs in with the keyboard and activates LOCAL backup', async () => {
      await page.fill('#token', '');
      await page.focus('#token');
      await page.keyboard.type(server!.creds.token);
      await page.keyboard.press('Enter');
      await page.waitForSelector('h1:text-is("Jobs")');
      await page.locator('.empty').waitFor();
      await screenshot(page, '03-jobs-empty');

      await page.click('nav >> text=Working environments');
      await page.locator('tr[data-we="site"]').waitFor();
      await screenshot(page, '04-working-environments');
      await page.click('tr[data-we="site"] >> text=Activate backup');
      await page.fill('#bucket', 'web-bucket');
      await page.fill('#path', join(tmp.dir, 'bucket'));
      await screenshot(page, '05-activate');
      await page.click('button[type=submit]');
      await page.locator('.job-status[data-status="COMPLETED"]').waitFor();
      assert.equal(await page.locator('h1').innerText(), 'Activate backup');
    });

    await t.test('a multi-volume backup with a volume gone is followed live: FAILED naming it, the others SUCCESS', async () => {
      await rm(join(site, 'gone'), { recursive: true });
      await page.goto(url(`/environments/${we.id}`));
      await page.locator('tr[data-volume="gone"]').waitFor();
      for (const n of ['docs', 'gone', 'spare']) await page.check(`input[aria-label="Select ${n}"]`);
      await screenshot(page, '06-working-environment');
      await page.click('[data-action="backup-selected"]');
      await page.waitForURL(/\/ui\/jobs\//);
      await page.evaluate('window.stayed = true');
      await page.locator('.job-status[data-status="FAILED"]').waitFor({ timeout: 60_000 });
      const row = (n: string) => page.locator(`tr[data-volume-id="${vol[n]['file-system-id']}"]`);
      assert.equal(await row('docs').getAttribute('data-status'), 'SUCCESS');
      assert.equal(await row('spare').getAttribute('data-status'), 'SUCCESS');
      assert.equal(await row('gone').getAttribute('data-status'), 'FAILED');
      assert.match(await row('gone').locator('.entry-error').innerText(), /gone/);
      assert.match(await page.locator('.job-error').innerText(), /1 of 3 volumes failed.*gone/);
      assert.equal(await page.evaluate('window.stayed'), true, 'the page was reloaded');
      await screenshot(page, '07-job-multi-volume-failed');
    });

    await t.test('a file restore through the wizard writes the picked files\' bytes', async () => {
      const rootFile = (await readdir(join(site, 'docs'), { withFileTypes: true }))
        .filter((d) => d.isFile() && d.name.endsWith('.bin')).map((d) => d.name).sort()
        .find((n) => n !== 'f0.bin'); // f0 is the empty one
      assert.ok(rootFile, `seed ${SEED} put no non-empty file at the volume root`);
      await page.goto(url(`/environments/${we.id}/volumes/${vol['docs']['file-system-id']}`));
      await page.locator('table.backups').waitFor();
      await screenshot(page, '08-volume-backups');
      await page.click('[data-action="restore-backup"]');
      await page.locator('table.browse').waitFor();
      await page.check(`input[aria-label="Pick ${rootFile}"]`);
      await page.click('[data-open="docs"]');
      await page.locator('tr[data-entry="big.bin"]').waitFor();
      await page.check('input[aria-label="Pick big.bin"]');
      assert.equal(await page.locator('.picked li').count(), 2);
      await screenshot(page, '09-restore-browse');
      await page.click('button:text("Next →")');
      await page.selectOption('label:has-text("Into volume") select', 'target');
      await screenshot(page, '10-restore-target');
      await page.click('button:text("Next →")');
      await screenshot(page, '11-restore-review');
      await page.click('button:text("Start restore")');
      await page.waitForURL(/\/ui\/jobs\//);
      await page.locator('.job-status[data-status="COMPLETED"]').waitFor({ timeout: 60_000 });
      await screenshot(page, '12-job-file-restore');
      for (const [from, name] of [[join(site, 'docs', rootFile), rootFile], [join(site, 'docs', 'docs', 'big.bin'), 'big.bin']] as const) {
        assert.deepEqual(await readFile(join(site, 'target', name)), await readFile(from), `restored ${name} differs`);
      }
    });

    await t.test('a backup job is seen going from PENDING to COMPLETED without reloading', async () => {
      await siteAgent.stop();
      await page.goto(url(`/environments/${we.id}/volumes/${vol['spare']['file-system-id']}`));
      await page.locator('[data-action="backup-now"]').waitFor();
      // With the keyboard alone: Tab until "Back up now" has the focus, then Enter.
      let tabs = 0;
      while (await page.evaluate<string | undefined>('document.activeElement?.dataset?.action') !== 'backup-now') {
        assert.ok(++tabs < 40, '"Back up now" is not reachable with Tab');
        await page.keyboard.press('Tab');
      }
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/ui\/jobs\//);
      await page.locator('.job-status[data-status="PENDING"]').waitFor();
      await page.evaluate('window.stayed = true');
      await screenshot(page, '13-job-pending');
      // The agent comes back with its credentials and claims the task.
      agent = run(['agent', '--credentials', siteAgent.credentials, '--server', server!.url, '--log-level', 'warn', '--we', `site=${site}`], {});
      await agent.waitFor(/agent \S+ serving/);
      await page.locator('.job-status[data-status="COMPLETED"]').waitFor({ timeout: 60_000 });
      assert.equal(await page.evaluate('window.stayed'), true, 'the page was reloaded');
      await screenshot(page, '14-job-completed');
    });

    await t.test('pages fit a phone-width screen', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [path, name] of [['/jobs', '16-phone-jobs'], [`/environments/${we.id}`, '17-phone-working-environment']] as const) {
        await page.goto(url(path));
        await page.locator('table').first().waitFor();
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        await screenshot(page, name);
        assert.ok(overflow <= 0, `${path} is ${overflow} px wider than the screen`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(url('/jobs'));
      await page.locator('table.jobs').waitFor();
      await screenshot(page, '18-jobs');
    });

    await t.test('a viewer sees no write actions', async () => {
      const c = run(['token', 'create', '--account', server!.creds['account-id'], '--role', 'viewer', '--ttl', '1h', '--json'], { CBS_HOME: server!.home });
      await new Promise<void>((res) => c.child.once('exit', () => res()));
      const viewerToken = (JSON.parse(c.output().slice(c.output().indexOf('{'))) as { token: string }).token;
      const { context, page: vp } = await newPage(browser!);
      const viewerLog = watchConsole(vp);
      await vp.goto(url('/environments'));
      await vp.fill('#token', viewerToken);
      await vp.click('button[type=submit]');
      await vp.locator('tr[data-we="site"]').waitFor();
      assert.equal(await vp.locator('.role').getAttribute('data-role'), 'viewer');
      // Every write action of the console: data-action buttons and links, primary buttons, selection boxes, activation, the restore wizard.
      const writes = async (): Promise<number> => (await Promise.all([
        vp.locator('[data-action], button.primary, input[type=checkbox]').count(),
        vp.getByText('Activate backup').count(),
        vp.locator('nav a', { hasText: 'Restore' }).count(),
      ])).reduce((a, b) => a + b, 0);
      assert.equal(await writes(), 0, 'working environments page');
      for (const [path, name] of [
        [`/environments/${farWe.id}`, ''], [`/environments/${we.id}`, '19-viewer-working-environment'], [`/environments/${we.id}/volumes/${vol['docs']['file-system-id']}`, '20-viewer-volume'],
      ]) {
        await vp.goto(url(path!));
        await vp.locator('table').first().waitFor();
        assert.equal(await writes(), 0, path);
        if (name) await screenshot(vp, name);
      }
      await vp.goto(url('/restore'));
      await vp.locator('text=Your role cannot start restores').waitFor();
      assert.deepEqual(viewerLog.errors, []);
      await context.close();
    });

    await t.test(`a job page with ${BATCHES} restore batches renders in under a second`, async () => {
      const backup = (await api.ok('GET', `/v1/backup/working-environment/${we.id}/volume/${vol['docs']['file-system-id']}/snapshot`)).snapshot[0];
      // File restores into the stopped agent's working environment: they stay PENDING with all their batches.
      const restore = async (file: unknown[]): Promise<string> => (await api.ok('POST', '/v3/restore', { restore: {
        type: 'file',
        source: { 'working-environment-id': we.id, 'working-environment-name': 'site', bucket: 'web-bucket', 'volume-name': 'docs', 'volume-id': vol['docs']['file-system-id'], snapshot: backup.id },
        target: { 'working-environment-id': farWe.id, 'working-environment-name': 'far', svm: 'svm0', 'volume-name': 'inbox', path: '/' },
        file,
      } }))['job-id'];
      // 1,000 large files (a batch closes before a file that takes it past 1 GiB, so each is a batch of its own) …
      const large = await restore(Array.from({ length: BATCHES }, (_, i) => ({
        inode: 500 + i, path: `/images/vm-${String(i).padStart(4, '0')}.qcow2`, type: 'FILE', size: 600 * 1024 * 1024 + i, mtime: 1_700_000_000_000 + i,
      })));
      // … and 100,000 small ones (batches of 100): the same 1,000 batches, 10 MB of job JSON.
      const small = await restore(Array.from({ length: BATCHES * 100 }, (_, i) => ({
        inode: 1000 + i, path: `/bulk/d${Math.floor(i / 1000)}/file-${String(i).padStart(6, '0')}.dat`, type: 'FILE', size: 4096 + (i % 97), mtime: 1_700_000_000_000 + i,
      })));
      for (const [jobId, files, name] of [[large, BATCHES, '15-job-1000-batches'], [small, BATCHES * 100, '15-job-1000-batches-100000-files']] as const) {
        await page.goto(url(`/environments/${we.id}`));
        await page.locator('table.volumes').waitFor();
        const timing = await renderTime(jobId);
        console.log(`job page with ${BATCHES} batches, ${files} files (${timing.bytes} bytes of job JSON): ${timing.total.toFixed(0)} ms from navigation to the last batch row, ${timing.fetch.toFixed(0)} ms of it fetching the job, ${(timing.total - timing.fetch).toFixed(0)} ms parsing and rendering`);
        assert.equal(await page.locator('tr.batch').count(), BATCHES);
        await screenshot(page, name, { fullPage: false });
        if (files === BATCHES) assert.ok(timing.total < RENDER_BUDGET_MS, `rendered in ${timing.total.toFixed(0)} ms ≥ ${RENDER_BUDGET_MS} ms`);
        // With 100 files a batch the job is 10 MB of JSON, most of the time is the server producing it and the
        // browser parsing it: reported above; held only to a bound that catches a console gone quadratic.
        else assert.ok(timing.total < 10 * RENDER_BUDGET_MS, `rendered in ${timing.total.toFixed(0)} ms`);
      }
      // A page left open on a PENDING job of 10 MB would keep reading it.
      await page.goto('about:blank');
    });

    await t.test('the admin\'s page logged no errors', () => {
      // The one expected entry: the bad token's 401 from GET /auth/v1/session.
      const unexpected = consoleLog.errors.filter((e) => !/status of 401/.test(e));
      assert.deepEqual(unexpected, []);
      assert.ok(consoleLog.errors.length <= 1, consoleLog.errors.join('\n'));
    });
  } finally {
    await browser?.close();
    await agent?.stop();
    await server?.stop();
    await tmp.cleanup();
  }
});
