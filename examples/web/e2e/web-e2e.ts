/**
 * The page in a real browser: builds it, serves it with `vite preview`
 * (cross-origin isolated), drives Debian's Chromium headless through
 * playwright-core, and checks that a search on the embedded data makes
 * progress, the heat map and the cell diagram render, a pause, a reload and a
 * resume continue from the checkpoint at the same step, and the downloaded
 * model loads in Node with `tf.loadLayersModel` and predicts as the page did.
 *
 *   npm run -s web:e2e -- [--json] [--screenshot PATH] [--chromium PATH] [--steps N]
 *
 * Prints `{"backend","steps","stepsPerSecond","resumedAtStep","exportedModelMatches","screenshot"}`
 * as the last line with `--json`; exits 1 when a check fails.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { build, preview } from 'vite';
import { compareModel } from './compare-model.js';
import { writeImageFolder } from './image-folder-fixture.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const json = args.includes('--json');
const log = (text: string) => process.stderr.write(`web:e2e: ${text}\n`);
// Relative to where npm was started (npm runs the script in the package's folder).
const screenshot = resolve(process.env['INIT_CWD'] ?? process.cwd(), option('screenshot') ?? join(repoRoot, 'runs', 'web-e2e', 'web-page.png'));
const executablePath = option('chromium') ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (executablePath === undefined) {
  process.stderr.write('web:e2e: no Chromium found (apt-get install -y chromium, or --chromium PATH)\n');
  process.exit(2);
}
const steps = Number(option('steps') ?? 40);
/** The backend the search runs on: headless Chromium has WebGL only in software (SwiftShader), far slower than wasm. */
const searchBackend = option('backend') ?? 'wasm';
/** Small settings: a search of 2 epochs on 640 images, the distribution learning after 10 warm-up steps. */
const settings = { cells: '3', channels: '4', nodes: '3', steps: String(steps), warmupSteps: '10', batchSize: '16', maxExamples: '640', retrainEpochs: '2' };

const failures: string[] = [];
function check(ok: boolean, what: string): boolean {
  if (!ok) failures.push(what);
  log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  return ok;
}

interface PageStatus {
  state: string;
  record?: { checkpointStep: number; runId: string };
  lastStep?: { step: number; totalSteps: number; seconds: number };
}
const status = (page: Page) => page.evaluate(() => (globalThis as unknown as { asngPage: { status(): PageStatus } }).asngPage.status());
const waitForState = (page: Page, states: readonly string[], timeout: number) =>
  page.waitForFunction((s) => s.includes(document.body.dataset['state'] ?? ''), states, { timeout, polling: 200 });

log('building the page');
await build({ root: packageDir, logLevel: 'warn' });
const server = await preview({ root: packageDir, logLevel: 'warn', preview: { port: 0, strictPort: false, host: '127.0.0.1' } });
const url = server.resolvedUrls?.local[0];
if (url === undefined) throw new Error('vite preview gave no URL');
const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const downloads = mkdtempSync(join(tmpdir(), 'asng-web-e2e-'));
let result: Record<string, unknown> = {};
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && log(`console: ${message.text()}`));
  context.on('response', (response) => response.status() >= 400 && log(`HTTP ${response.status()}: ${response.url()}`));
  context.on('requestfailed', (request) => {
    const why = request.failure()?.errorText ?? '';
    if (why !== 'net::ERR_INTERNET_DISCONNECTED') log(`request failed: ${request.url()} (${why})`);
  });
  log(`opening ${url} in ${executablePath}`);
  await page.goto(url);
  await waitForState(page, ['idle', 'error'], 60_000);
  const backend = await page.evaluate(() => document.body.dataset['backend'] ?? '');
  check(backend !== '', `the page started a backend (${backend}): ${await page.textContent('#backend-status')}`);
  check(await page.evaluate(() => crossOriginIsolated), 'the page is cross-origin isolated (COOP/COEP)');
  if (backend !== searchBackend) {
    await page.selectOption('#backend-select', searchBackend);
    await page.waitForFunction((b) => document.body.dataset['backend'] === b && document.body.dataset['state'] === 'idle', searchBackend, { timeout: 60_000 });
    check(true, `the selector switched the backend to ${searchBackend}: ${await page.textContent('#backend-status')}`);
  }

  // A dropped folder (through the folder input): its images decoded, the bad files named.
  await page.setInputFiles('#folder-input', writeImageFolder(downloads));
  await page.waitForFunction(() => /training and/.test(document.getElementById('data-status')?.textContent ?? ''), undefined, { timeout: 60_000 });
  const dataStatus = (await page.textContent('#data-status')) ?? '';
  const problems = (await page.textContent('#data-problems')) ?? '';
  check(/^8 training and 2 test images of 2 classes \(dark, light\)/.test(dataStatus), `a dropped folder is decoded: ${dataStatus}`);
  check(/broken\.png: /.test(problems) && /notes\.txt: not an image/.test(problems), `its bad files are named with the reason: ${problems}`);
  await page.check('input[name="data"][value="embedded"]');

  for (const [name, value] of Object.entries(settings)) await page.fill(`#settings [name="${name}"]`, value);
  await page.click('#start');
  await page.waitForFunction(() => Number(document.body.dataset['epochs'] ?? 0) >= 1, undefined, { timeout: 120_000, polling: 250 });
  const firstSteps = (await status(page)).lastStep?.step ?? 0;
  check(firstSteps > 0, `the search makes progress (step ${firstSteps} of ${steps})`);
  check((await page.locator('#heat-map svg[data-figure="heat-map"] rect').count()) > 0, 'the heat map of the probabilities renders');
  check((await page.locator('#cell-diagram svg text').count()) > 0, 'the diagram of the most likely cells renders');
  check((await page.locator('#loss-chart svg').count()) === 1, 'the loss chart renders');

  await page.click('#pause');
  await waitForState(page, ['paused'], 60_000);
  const pausedAt = (await status(page)).record?.checkpointStep ?? -1;
  check(pausedAt > 0 && pausedAt < steps, `paused with a checkpoint at step ${pausedAt}`);

  await page.reload();
  await waitForState(page, ['idle', 'error'], 60_000);
  check(await page.isVisible('#resume-banner'), `after the reload the page offers to resume: ${await page.textContent('#resume-text')}`);
  await page.click('#resume');
  await page.waitForFunction(() => document.body.dataset['resumedAt'] !== undefined, undefined, { timeout: 60_000, polling: 100 });
  const resumedAtStep = Number(await page.evaluate(() => document.body.dataset['resumedAt']));
  check(resumedAtStep === pausedAt, `resumed from the checkpoint at step ${resumedAtStep} (paused at ${pausedAt})`);
  const resumedAt = Date.now();
  await waitForState(page, ['retraining', 'done', 'error'], 300_000);
  const searched = await status(page);
  // From the first step after the resume (when resumedAt appears) to the last, in wall-clock time.
  const searchSeconds = (Date.now() - resumedAt) / 1000;
  const stepsAfterResume = (searched.lastStep?.step ?? 0) - resumedAtStep - 1;
  check(searched.lastStep?.step === steps, `the resumed search completed all ${steps} steps`);
  await waitForState(page, ['done', 'error'], 300_000);
  check((await status(page)).state === 'done', `the found architecture was retrained: ${await page.textContent('#retrain-status')}`);
  check((await page.locator('#result-diagram svg').count()) === 1, 'the found architecture is drawn');

  const predicted = await page.evaluate(() =>
    (
      globalThis as unknown as { asngPage: { predict(n: number): Promise<{ logits: number[]; shape: number[]; images: number[]; imageShape: number[] }> } }
    ).asngPage.predict(8),
  );
  const modelFiles: import('playwright-core').Download[] = [];
  page.on('download', (d) => modelFiles.push(d));
  await page.click('#download-model');
  await page.waitForFunction(() => true, undefined, { timeout: 1000 });
  for (let waited = 0; modelFiles.length < 2 && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  for (const d of modelFiles) await d.saveAs(join(downloads, d.suggestedFilename()));
  check(
    modelFiles
      .map((d) => d.suggestedFilename())
      .sort()
      .join(',') === 'asng-model.json,asng-model.weights.bin',
    `the model downloads as ${modelFiles.map((d) => d.suggestedFilename()).join(' and ')}`,
  );
  page.removeAllListeners('download');
  const logDownload = await Promise.all([page.waitForEvent('download'), page.click('#download-log')]);
  const logPath = join(downloads, 'log.jsonl');
  await logDownload[0].saveAs(logPath);
  const logSteps = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"step"'))
    .map((l) => (JSON.parse(l) as { step?: number }).step ?? 0);
  check(logSteps.length > 0 && Math.max(...logSteps) === steps, `the run log downloads (${logSteps.length} entries, last step ${Math.max(0, ...logSteps)})`);

  const comparison = await compareModel(join(downloads, 'asng-model.json'), predicted);
  const exportedModelMatches = check(comparison.matches, `the downloaded model loads in Node and predicts as the page did: ${comparison.summary}`);

  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  log(`screenshot: ${screenshot}`);
  // The service worker kept what the page fetched: with no network it loads and starts its backend again.
  await context.setOffline(true);
  await page.reload();
  await waitForState(page, ['idle', 'error'], 60_000);
  check(
    (await status(page)).state === 'idle',
    `offline, the page reloads from its service worker and starts ${await page.evaluate(() => document.body.dataset['backend'])}`,
  );
  await context.setOffline(false);
  result = {
    backend: await page.evaluate(() => document.body.dataset['backend'] ?? ''),
    steps: searched.lastStep?.step ?? 0,
    stepsPerSecond: Number((stepsAfterResume / Math.max(searchSeconds, 1e-9)).toFixed(3)),
    resumedAtStep,
    exportedModelMatches,
    screenshot,
  };
  await context.close();
} catch (error) {
  failures.push(`the test stopped: ${(error as Error).stack ?? String(error)}`);
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (pages[0])
    log(
      `the page: ${JSON.stringify(await pages[0].evaluate(() => ({ body: { ...document.body.dataset }, messages: document.getElementById('messages')?.textContent, progress: document.getElementById('progress-text')?.textContent }))).slice(0, 2000)}`,
    );
  log(`FAILED: ${(error as Error).message}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(downloads, { recursive: true, force: true });
}
if (failures.length > 0) process.stderr.write(`web:e2e: ${failures.length} check(s) failed:\n  ${failures.join('\n  ')}\n`);
if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
else process.stdout.write(`${failures.length === 0 ? 'passed' : 'FAILED'}: ${JSON.stringify(result)}\n`);
process.exit(failures.length === 0 ? 0 : 1);
