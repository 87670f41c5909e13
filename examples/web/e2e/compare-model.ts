/**
 * The downloaded model, loaded in Node as a user would: `tf.loadLayersModel`
 * on the cpu backend, through the engine's file-system handler (as `asng
 * evaluate` loads a run's model), given the inputs the page predicted on.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { fashionMnistSubset } from '@asng/dataset-fashion-mnist-subset';
import { fileSystemIO } from '@asng/engine';

/** What the page answered for its first test images. */
export interface PagePredictions {
  readonly logits: readonly number[];
  readonly shape: readonly number[];
  readonly images: readonly number[];
  readonly imageShape: readonly number[];
}

/**
 * Whether the model in `modelJsonPath` gives the page's logits on the page's
 * inputs (to float32 rounding between backends: 1e-3 of the largest logit,
 * and the same class for every image), and whether those inputs are the
 * subset's first test images as Node reads them.
 */
export async function compareModel(modelJsonPath: string, page: PagePredictions): Promise<{ matches: boolean; summary: string }> {
  await tf.setBackend('cpu');
  const [count, height, width, channels] = page.imageShape as [number, number, number, number];
  const subset = await fashionMnistSubset.load();
  const expected = await subset.split('test').read(Array.from({ length: count }, (_, i) => i));
  const inputsMatch = page.images.length === expected.images.length && page.images.every((v, i) => Math.abs(v - expected.images[i]! / 255) < 1e-6);
  const model = await loadLayersModel(fileSystemIO(modelJsonPath));
  const input = tf.tensor4d(Float32Array.from(page.images), [count, height, width, channels]);
  const output = model.predict(input) as tf.Tensor;
  const logits = Array.from(await output.data());
  tf.dispose([input, output]);
  model.dispose();
  const classes = page.shape[1]!;
  const scale = Math.max(1, ...page.logits.map(Math.abs));
  const maxDiff = Math.max(...logits.map((v, i) => Math.abs(v - page.logits[i]!)));
  const argmax = (values: readonly number[], row: number) => {
    const slice = values.slice(row * classes, (row + 1) * classes);
    return slice.indexOf(Math.max(...slice));
  };
  const sameClasses = Array.from({ length: count }, (_, r) => argmax(logits, r) === argmax(page.logits, r)).every(Boolean);
  const shapeMatches = logits.length === page.logits.length && output.shape.join('x') === page.shape.join('x');
  const matches = inputsMatch && shapeMatches && sameClasses && maxDiff <= 1e-3 * scale;
  const classesText = Array.from({ length: count }, (_, r) => argmax(logits, r)).join(',');
  return {
    matches,
    summary: `${count} images (${inputsMatch ? "the subset's first test images" : "NOT the subset's first test images"}), classes ${classesText}${sameClasses ? ' as on the page' : ' UNLIKE the page'}, largest logit difference ${maxDiff.toExponential(2)}`,
  };
}
