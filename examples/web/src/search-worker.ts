/**
 * The search worker: starts the backend, loads or decodes the data, runs the
 * engine's search loop with the run kept in IndexedDB, retrains the found
 * architecture, and answers for the model. The page stays responsive however
 * long a step takes.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { fetchFashionMnistSubset } from '@asng/dataset-fashion-mnist-subset/browser';
import { Rng, type Architecture, type Dataset } from '@asng/core';
import { DataLoader } from '@asng/data';
import { indexedDbStorage, resumeSearch, retrain, runSearch, StorageFullError, type IndexedDbStorage, type SearchResult } from '@asng/engine/browser';
import { createImageClassificationSpace, type ImageClassificationSpace } from '@asng/space-image-classification';
import { startBackend } from './backends.js';
import { decodeFolder } from './decode-images.js';
import { parseImageFolder, FolderError } from './image-folder.js';
import { memoryDataset } from './memory-dataset.js';
import { type DataChoice, type ErrorKind, type FromWorker, MODEL_FILES, type ToWorker } from './protocol.js';
import { loadFolderData, saveFolderData } from './run-files.js';
import type { SearchSettings } from './settings.js';

/** Minutes between checkpoints: a reload loses at most this much of a running search (a pause always checkpoints). */
const CHECKPOINT_MINUTES = 0.25;

const post = (message: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

let baseUrl = '/';
let backendReady: Promise<{ environment: Readonly<Record<string, string | number | boolean>>; backend: string }> | undefined;
let controller: AbortController | undefined;
let stopping = false;
let model: LayersModel | undefined;
let dataset: Dataset | undefined;
let embedded: Promise<Dataset> | undefined;

/** What an error means for the page: a full or refused storage, bad data, no backend, or a failed search. */
function kindOf(error: unknown): ErrorKind {
  const name = (error as { name?: string })?.name ?? '';
  if (error instanceof StorageFullError || ['QuotaExceededError', 'SecurityError', 'InvalidStateError', 'UnknownError'].includes(name)) return 'storage';
  if (error instanceof FolderError) return 'data';
  return 'search';
}

function fail(error: unknown, kind: ErrorKind = kindOf(error)): void {
  const message = (error as Error)?.message ?? String(error);
  post({
    type: 'error',
    kind,
    message: kind === 'storage' && !(error instanceof StorageFullError) ? `The browser refused to store the run (${message}).` : message,
  });
}

async function loadData(choice: DataChoice, storage: IndexedDbStorage): Promise<Dataset> {
  if (choice.kind === 'embedded') {
    embedded ??= fetchFashionMnistSubset(new URL('data/fashion-mnist-subset/', baseUrl));
    return embedded;
  }
  await saveFolderData(storage, choice.spec);
  return memoryDataset(choice.spec);
}

function spaceOf(settings: SearchSettings): ImageClassificationSpace {
  return createImageClassificationSpace({ cells: settings.cells, channels: settings.channels, nodes: settings.nodes });
}

async function search(runId: string, settings: SearchSettings, data: DataChoice | undefined, stopAtOnce = false): Promise<void> {
  const { environment, backend } = await backendReady!;
  const storage = indexedDbStorage({ run: runId });
  const resuming = data === undefined;
  const loaded = resuming ? await loadFolderData(storage) : undefined;
  dataset = loaded ? memoryDataset(loaded) : await loadData(data ?? { kind: 'embedded' }, storage);
  const info = dataset.info;
  post({ type: 'dataset', name: info.name, train: info.splits.train ?? 0, test: info.splits.test ?? 0, classes: info.classNames ?? [] });
  const space = spaceOf(settings);
  controller = new AbortController();
  stopping = stopAtOnce;
  if (stopAtOnce) controller.abort();
  let first = true;
  const options = {
    space,
    dataset,
    storage,
    signal: controller.signal,
    environment: { ...environment, backend },
    onStep: (e: {
      step: number;
      totalSteps: number;
      epoch: number;
      trainLoss: number;
      validationLosses: readonly number[];
      imagesPerSecond: number;
      seconds: number;
    }) => {
      if (first && resuming) post({ type: 'resumed', step: e.step - 1 });
      first = false;
      const v = e.validationLosses;
      post({
        type: 'step',
        step: e.step,
        totalSteps: e.totalSteps,
        epoch: e.epoch,
        trainLoss: e.trainLoss,
        validationLoss: v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN,
        imagesPerSecond: e.imagesPerSecond,
        seconds: e.seconds,
      });
    },
    onEpoch: (e: {
      epoch: number;
      step: number;
      best: Architecture;
      beliefs: readonly import('@asng/core').VariableBelief[];
      metrics: Readonly<Record<string, number>>;
    }) =>
      post({
        type: 'epoch',
        epoch: e.epoch,
        step: e.step,
        beliefs: e.beliefs,
        graph: space.architectureGraph(e.best),
        description: space.describe(e.best).text,
        metrics: e.metrics,
      }),
    onCheckpoint: (_path: string, step: number) => post({ type: 'checkpoint', step }),
  };
  let result: SearchResult;
  if (resuming) {
    result = await resumeSearch(options);
  } else {
    result = await runSearch({
      ...options,
      config: {
        steps: settings.steps,
        warmupSteps: settings.warmupSteps,
        batchSize: settings.batchSize,
        learningRate: settings.learningRate,
        seed: settings.seed,
        maxExamples: Math.min(settings.maxExamples, info.splits.train ?? 0),
        checkpointMinutes: CHECKPOINT_MINUTES,
        evaluationBatches: 2,
      },
    });
  }
  controller = undefined;
  if (result.status === 'stopped' && !stopping) {
    post({ type: 'paused', step: result.steps });
    return;
  }
  post({
    type: 'searched',
    status: result.status,
    step: result.steps,
    description: result.description.text,
    graph: space.architectureGraph(result.best),
    seconds: result.seconds,
  });
  await retrainFound(space, result.best, settings);
}

async function retrainFound(space: ImageClassificationSpace, best: Architecture, settings: SearchSettings): Promise<void> {
  model?.dispose();
  model = undefined;
  const retrained = await retrain({
    space,
    dataset: dataset!,
    architecture: best,
    config: {
      epochs: settings.retrainEpochs,
      batchSize: settings.batchSize,
      learningRate: 2 * settings.learningRate,
      seed: settings.seed,
      maxExamples: settings.maxExamples,
    },
    onEpoch: (e) => post({ type: 'retrain-epoch', epoch: e.epoch, epochs: e.epochs, trainLoss: e.trainLoss }),
  });
  model = retrained.model;
  post({
    type: 'retrained',
    accuracy: retrained.test['accuracy'] ?? Number.NaN,
    testImages: dataset!.info.splits[retrained.split] ?? 0,
    parameters: retrained.trainableParameters,
    seconds: retrained.seconds,
  });
}

/** The retrained model's logits on the first `count` test images, with the exact inputs it was given. */
async function predict(count: number): Promise<void> {
  if (model === undefined || dataset === undefined) throw new Error('There is no retrained model yet.');
  const split = dataset.info.splits.test ? 'test' : 'train';
  const loader = new DataLoader(dataset.split(split), dataset.info.shape, { batchSize: count, rng: new Rng(0), shuffle: false, labels: 'int', prefetch: 1 });
  try {
    const raw = await loader.next();
    const logits = model.predict(raw.images) as tf.Tensor;
    post({
      type: 'predictions',
      shape: logits.shape,
      logits: Array.from(await logits.data()),
      images: Array.from(await raw.images.data()),
      imageShape: raw.images.shape,
    });
    tf.dispose([logits, raw.images, ...(raw.labels ? [raw.labels] : [])]);
  } finally {
    loader.close();
  }
}

/** The retrained model as the files `tf.loadLayersModel` reads: the JSON, which names the weights file beside it. */
async function exportModel(): Promise<void> {
  if (model === undefined) throw new Error('There is no retrained model yet.');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [`./${MODEL_FILES.weights}`], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? '',
        convertedBy: artifacts.convertedBy ?? null,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      };
      post({ type: 'model', modelJson: JSON.stringify(modelJson), weights }, [weights]);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init':
      baseUrl = message.baseUrl;
      backendReady = startBackend(message.backend, new URL('tfjs-wasm/', baseUrl).href).then((started) => {
        post({ type: 'backend', backend: started.backend, reason: started.reason, attempts: started.attempts });
        return { environment: started.environment, backend: started.backend };
      });
      await backendReady.catch((error) => fail(error, 'backend'));
      return;
    case 'decode-folder': {
      const layout = parseImageFolder(message.files.map((f) => f.path));
      const { spec, bad, heldOut } = await decodeFolder(message.files, layout, message.size, (done, total) => post({ type: 'data-progress', done, total }));
      const skipped = layout.skipped.map((s) => ({ path: s.path, reason: s.reason }));
      post({ type: 'folder-decoded', spec, bad: [...skipped, ...bad], heldOut });
      return;
    }
    case 'start':
      return search(message.runId, message.settings, message.data);
    case 'resume':
      return search(message.runId, message.settings, undefined, message.stopAtOnce);
    case 'pause':
      controller?.abort();
      return;
    case 'stop':
      stopping = true;
      controller?.abort();
      return;
    case 'predict':
      return predict(message.count);
    case 'export-model':
      return exportModel();
    case 'export-log': {
      const bytes = await indexedDbStorage({ run: message.runId }).read('log.jsonl');
      post({ type: 'log', text: bytes === undefined ? '' : new TextDecoder().decode(bytes) });
      return;
    }
    case 'delete-run':
      await indexedDbStorage({ run: message.runId }).clear();
      return;
  }
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error) => fail(error, event.data.type === 'decode-folder' ? 'data' : kindOf(error)));
});
