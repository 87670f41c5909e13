/**
 * The page: settings, data, buttons and messages; the search itself runs in
 * `search-worker.ts`. `document.body.dataset.state` says where the page is
 * (`loading`, `idle`, `decoding`, `searching`, `pausing`, `paused`,
 * `retraining`, `done`, `error`), for people and for the browser test.
 */
import type { BrowserBackend } from './backends.js';
import { filesFromDrop, filesFromInput, type DroppedFile } from './folder-drop.js';
import type { MemoryDatasetSpec } from './memory-dataset.js';
import { type FromWorker, MODEL_FILES, type StepMessage, type ToWorker } from './protocol.js';
import { newRunId, readRunRecord, writeRunRecord, type RunRecord } from './run-record.js';
import { DEFAULT_SETTINGS, parseSettings, settingsToValues, type SearchSettings } from './settings.js';
import { element, LiveViews } from './views.js';

type PageState = 'loading' | 'idle' | 'decoding' | 'searching' | 'pausing' | 'paused' | 'retraining' | 'done' | 'error';

const views = new LiveViews();
const form = element<HTMLFormElement>('settings');
const buttons = {
  start: element<HTMLButtonElement>('start'),
  pause: element<HTMLButtonElement>('pause'),
  continue: element<HTMLButtonElement>('continue'),
  stop: element<HTMLButtonElement>('stop'),
  model: element<HTMLButtonElement>('download-model'),
  log: element<HTMLButtonElement>('download-log'),
};
const backendSelect = element<HTMLSelectElement>('backend-select');

let worker: Worker;
let state: PageState = 'loading';
let record: RunRecord | undefined = readRunRecord();
let folder: MemoryDatasetSpec | undefined;
let lastStep: StepMessage | undefined;
const waiting = new Map<string, (message: FromWorker) => void>();

function setState(next: PageState): void {
  state = next;
  document.body.dataset['state'] = next;
  const searching = next === 'searching';
  buttons.start.disabled = !(next === 'idle' || next === 'done' || (next === 'error' && record === undefined));
  buttons.pause.disabled = !searching;
  buttons.continue.disabled = !(next === 'paused' || (next === 'error' && record !== undefined && record.status !== 'searched'));
  buttons.stop.disabled = !(searching || next === 'paused');
  buttons.model.disabled = next !== 'done';
  buttons.log.disabled = record === undefined;
  backendSelect.disabled = searching || next === 'pausing' || next === 'retraining';
}

/** Shows a message above the page; `error` ones in red. */
function say(text: string, level: 'note' | 'error' = 'note'): void {
  const p = document.createElement('p');
  p.textContent = text;
  p.className = level;
  element('messages').append(p);
}

function send(message: ToWorker, transfer: Transferable[] = []): void {
  worker.postMessage(message, transfer);
}

/** Sends `message` and waits for the worker's answer of type `answer`. */
function ask<T extends FromWorker['type']>(message: ToWorker, answer: T): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve) => {
    waiting.set(answer, resolve as (m: FromWorker) => void);
    send(message);
  });
}

function remember(next: RunRecord | undefined): void {
  record = next;
  if (!writeRunRecord(next)) say('The browser refused to keep a note of this run (storage full or blocked): after a reload it cannot be resumed.', 'error');
}

function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function showList(id: string, items: readonly string[]): void {
  element(id).replaceChildren(
    ...items.map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    }),
  );
}

function onMessage(m: FromWorker): void {
  waiting.get(m.type)?.(m);
  waiting.delete(m.type);
  switch (m.type) {
    case 'backend': {
      document.body.dataset['backend'] = m.backend;
      element('backend-status').textContent = `Running on ${m.backend}: ${m.reason}.`;
      showList(
        'backend-attempts',
        m.attempts.filter((a) => a.outcome === 'skipped').map((a) => `${a.backend}: not used, ${a.reason}`),
      );
      if (m.backend === 'wasm' || m.backend === 'cpu') {
        const gpu = m.attempts.filter((a) => a.backend === 'webgpu' || a.backend === 'webgl');
        if (gpu.length > 0)
          say(`No WebGPU or WebGL here, so the search runs on ${m.backend}, slower: ${gpu.map((a) => `${a.backend}: ${a.reason}`).join('; ')}.`);
      }
      setState('idle');
      offerResume();
      return;
    }
    case 'data-progress':
      element('data-status').textContent = `Decoding images: ${m.done} of ${m.total}…`;
      return;
    case 'folder-decoded': {
      folder = m.spec;
      const test = m.spec.test ? m.spec.test.labels.length : 0;
      element('data-status').textContent =
        `${m.spec.train.labels.length} training and ${test} test images of ${m.spec.classNames.length} classes (${m.spec.classNames.join(', ')}), ${m.spec.shape[0]}×${m.spec.shape[1]}` +
        (m.heldOut ? '; no test/ folder, so every fifth image of each class is held out for testing.' : '.');
      showList(
        'data-problems',
        m.bad.map((b) => `${b.path}: ${b.reason}`),
      );
      setState('idle');
      return;
    }
    case 'dataset':
      if (record?.data === 'embedded') {
        element('data-status').textContent = `${m.name}: ${m.train} training and ${m.test} test images, ${m.classes.length} classes.`;
        showList('data-problems', []);
      }
      return;
    case 'step':
      lastStep = m;
      document.body.dataset['step'] = String(m.step);
      views.step(m);
      return;
    case 'epoch':
      document.body.dataset['epochs'] = String(m.epoch + 1);
      views.epoch(m.epoch, m.beliefs, m.graph);
      return;
    case 'checkpoint':
      if (record) remember({ ...record, checkpointStep: m.step });
      return;
    case 'resumed':
      document.body.dataset['resumedAt'] = String(m.step);
      say(`Resumed from the checkpoint at step ${m.step}.`);
      return;
    case 'paused':
      if (record) remember({ ...record, status: 'paused', checkpointStep: m.step });
      element('progress-text').textContent = `Paused at step ${m.step}; the checkpoint is saved in this browser (it survives a reload).`;
      setState('paused');
      return;
    case 'searched':
      if (record) remember({ ...record, status: 'searched', checkpointStep: m.step });
      views.finished(
        `Search ${m.status === 'completed' ? 'completed' : 'stopped'} at step ${m.step} after ${m.seconds.toFixed(0)} s; retraining the architecture found…`,
      );
      element('results').hidden = false;
      element('result-text').textContent = m.description;
      element('result-diagram').innerHTML = views.diagram(m.graph);
      element('retrain-status').textContent = 'Retraining it from scratch…';
      setState('retraining');
      return;
    case 'retrain-epoch':
      element('retrain-status').textContent = `Retraining: epoch ${m.epoch + 1} of ${m.epochs}, training loss ${m.trainLoss.toFixed(4)}…`;
      return;
    case 'retrained':
      element('retrain-status').textContent =
        `Retrained from scratch (${m.parameters} trainable parameters, ${m.seconds.toFixed(0)} s): test accuracy ${(100 * m.accuracy).toFixed(2)} % on ${m.testImages} test images.`;
      document.body.dataset['accuracy'] = String(m.accuracy);
      element('progress-text').textContent = 'Search and retraining done.';
      setState('done');
      return;
    case 'model':
      download(MODEL_FILES.json, m.modelJson, 'application/json');
      download(MODEL_FILES.weights, m.weights, 'application/octet-stream');
      return;
    case 'log':
      download(`${record?.runId ?? 'asng'}-log.jsonl`, m.text, 'application/x-ndjson');
      return;
    case 'error': {
      const advice: Record<typeof m.kind, string> = {
        storage: 'Storage: ',
        data: 'Your images: ',
        backend: 'Backend: ',
        search: 'The search stopped: ',
      };
      say(advice[m.kind] + m.message, 'error');
      setState(m.kind === 'data' ? 'idle' : 'error');
      return;
    }
    case 'predictions':
      return;
  }
}

function startWorker(): void {
  worker?.terminate();
  worker = new Worker(new URL('./search-worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (event: MessageEvent<FromWorker>) => onMessage(event.data));
  worker.addEventListener('error', (event) => {
    say(`The search worker failed: ${event.message || 'it could not start'}.`, 'error');
    setState('error');
  });
  setState('loading');
  send({ type: 'init', backend: backendSelect.value as BrowserBackend | 'auto', baseUrl: new URL('./', document.baseURI).href });
}

function offerResume(): void {
  const banner = element('resume-banner');
  banner.hidden = !(record && record.status !== 'searched' && state === 'idle');
  if (!banner.hidden && record) {
    element('resume-text').textContent =
      `A search (${record.runId}, ${record.settings.steps} steps on ${record.data === 'embedded' ? 'the Fashion-MNIST subset' : 'your images'}) was left at step ${record.checkpointStep}, its last checkpoint. Resume it?`;
  }
}

function readForm(): SearchSettings | undefined {
  const values = Object.fromEntries(new FormData(form).entries()) as Record<keyof SearchSettings, string>;
  const parsed = parseSettings(values);
  showList('settings-errors', parsed.ok ? [] : parsed.errors.map((e) => e.message));
  return parsed.ok ? parsed.settings : undefined;
}

function resume(stopAtOnce = false): void {
  if (!record) return;
  element('resume-banner').hidden = true;
  if (stopAtOnce) setState('searching');
  else {
    views.reset(record.settings.warmupSteps);
    setState('searching');
  }
  remember({ ...record, status: 'searching' });
  send({ type: 'resume', runId: record.runId, settings: record.settings, stopAtOnce });
}

// After a reload the form shows the settings of the run it left, which a resume continues with.
for (const [name, value] of Object.entries(settingsToValues(record?.settings ?? DEFAULT_SETTINGS))) {
  const input = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
  if (input) input.value = value;
}
buttons.start.addEventListener('click', () => {
  const settings = readForm();
  if (!settings) return;
  const data = (document.querySelector('input[name="data"]:checked') as HTMLInputElement).value as 'embedded' | 'folder';
  if (data === 'folder' && !folder) {
    say('Drop a folder of images first, or choose the embedded Fashion-MNIST subset.', 'error');
    return;
  }
  if (record && record.status !== 'searched') send({ type: 'delete-run', runId: record.runId });
  remember({ runId: newRunId(), settings, data, status: 'searching', checkpointStep: 0 });
  element('results').hidden = true;
  element('resume-banner').hidden = true;
  views.reset(settings.warmupSteps);
  setState('searching');
  send({ type: 'start', runId: record!.runId, settings, data: data === 'folder' && folder ? { kind: 'folder', spec: folder } : { kind: 'embedded' } });
});
buttons.pause.addEventListener('click', () => {
  setState('pausing');
  send({ type: 'pause' });
});
buttons.continue.addEventListener('click', () => resume());
buttons.stop.addEventListener('click', () => {
  if (state === 'paused') return resume(true);
  setState('pausing');
  send({ type: 'stop' });
});
buttons.model.addEventListener('click', () => send({ type: 'export-model' }));
buttons.log.addEventListener('click', () => record && send({ type: 'export-log', runId: record.runId }));
element('resume').addEventListener('click', () => resume());
element('discard').addEventListener('click', () => {
  if (record) send({ type: 'delete-run', runId: record.runId });
  remember(undefined);
  element('resume-banner').hidden = true;
  setState('idle');
});
backendSelect.value = localStorage.getItem('asng-web:backend') ?? 'auto';
backendSelect.addEventListener('change', () => {
  localStorage.setItem('asng-web:backend', backendSelect.value);
  startWorker();
});

function takeFolder(files: readonly DroppedFile[]): void {
  if (files.length === 0) {
    say('Nothing was dropped: drop a folder of class folders of images.', 'error');
    return;
  }
  (document.querySelector('input[name="data"][value="folder"]') as HTMLInputElement).checked = true;
  const size = Number(element<HTMLInputElement>('image-size').value);
  setState('decoding');
  element('data-status').textContent = `Reading ${files.length} files…`;
  send({ type: 'decode-folder', files, size: Number.isInteger(size) && size >= 8 && size <= 64 ? size : 32 });
}
const zone = element('drop-zone');
zone.addEventListener('dragover', (event) => {
  event.preventDefault();
  zone.classList.add('over');
});
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', (event) => {
  event.preventDefault();
  zone.classList.remove('over');
  if (event.dataTransfer)
    filesFromDrop(event.dataTransfer).then(takeFolder, (error) => say(`The dropped folder could not be read: ${(error as Error).message}`, 'error'));
});
element<HTMLInputElement>('folder-input').addEventListener('change', (event) => takeFolder(filesFromInput(event.target as HTMLInputElement)));

if (typeof indexedDB === 'undefined')
  say(
    'This browser gives the page no IndexedDB (a private window, or site data blocked): a search cannot be saved, paused or resumed after a reload.',
    'error',
  );
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register(new URL('sw.js', document.baseURI).href).catch(() => undefined);
}

/** For the browser test and the curious: the retrained model's logits on the first test images with the inputs given, and where the page is. */
(globalThis as { asngPage?: unknown }).asngPage = {
  predict: (count: number) => ask({ type: 'predict', count }, 'predictions'),
  status: () => ({ state, record, lastStep }),
};

startWorker();
