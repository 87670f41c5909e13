/**
 * The page's own files in a run's storage, beside the engine's: the images of
 * a dropped folder, so that a search on them resumes after a reload too.
 */
import type { ImageShape } from '@asng/core';
import type { RunStorage } from '@asng/engine/browser';
import type { MemoryDatasetSpec, MemorySplitData } from './memory-dataset.js';

/** The folder's name, shape, classes and split sizes. */
const FOLDER_INFO = 'page-folder.json';
const file = (split: 'train' | 'test', part: 'images' | 'labels') => `page-folder-${split}-${part}.bin`;

/** Keeps a dropped folder's decoded images with the run. */
export async function saveFolderData(storage: RunStorage, spec: MemoryDatasetSpec): Promise<void> {
  await storage.open();
  const save = async (split: 'train' | 'test', data: MemorySplitData) => {
    await storage.write(file(split, 'images'), data.images);
    await storage.write(file(split, 'labels'), new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
  };
  await save('train', spec.train);
  if (spec.test) await save('test', spec.test);
  await storage.write(
    FOLDER_INFO,
    JSON.stringify({ name: spec.name, shape: spec.shape, classNames: spec.classNames, source: spec.source, test: spec.test !== undefined }),
  );
}

/** The dropped folder a run searched on, or `undefined` when it searched on the embedded subset. */
export async function loadFolderData(storage: RunStorage): Promise<MemoryDatasetSpec | undefined> {
  const info = await storage.read(FOLDER_INFO);
  if (info === undefined) return undefined;
  const meta = JSON.parse(new TextDecoder().decode(info)) as { name: string; shape: ImageShape; classNames: string[]; source: string; test: boolean };
  const load = async (split: 'train' | 'test'): Promise<MemorySplitData> => {
    const [images, labels] = await Promise.all([storage.read(file(split, 'images')), storage.read(file(split, 'labels'))]);
    if (images === undefined || labels === undefined)
      throw new Error(`${storage.pathOf(file(split, images ? 'labels' : 'images'))}: missing; the run's dropped images cannot be read back`);
    return { images, labels: new Int32Array(labels.slice().buffer) };
  };
  return {
    name: meta.name,
    shape: meta.shape,
    classNames: meta.classNames,
    source: meta.source,
    train: await load('train'),
    ...(meta.test ? { test: await load('test') } : {}),
  };
}
