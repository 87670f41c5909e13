import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, gradientsOf, runOn } from '../test/compare.js';
import { spreadFilter } from '../test/reference.js';
import { registerDilatedConvGradients } from './register-dilated-conv-gradients.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const inputs = (filter: number[]) => [
  { shape: [2, 9, 8, 3], seed: 21 },
  { shape: filter, seed: 22 },
];
const dilatedConv = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2);
const dilatedDepthwise = (x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid', 'NHWC', [2, 3]);

describe('registerDilatedConvGradients', () => {
  it('is needed: tfjs-core refuses gradients of dilated convolutions', () => {
    expect(() => runOnCpuSync(() => gradientsOf(dilatedConv, inputs([3, 3, 3, 4])))).toThrow(/dilation/);
  });

  it('differentiates dilated conv2d and depthwiseConv2d on the cpu backend, then restores', async () => {
    const restore = registerDilatedConvGradients();
    try {
      const cases = [
        {
          f: dilatedConv,
          filter: [3, 3, 3, 4],
          ref: (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, spreadFilter(w as tf.Tensor4D, 2), 1, 'same'),
        },
        {
          f: dilatedDepthwise,
          filter: [3, 2, 3, 2],
          ref: (x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, spreadAnisotropic(w as tf.Tensor4D), 1, 'valid'),
        },
      ];
      for (const { f, filter, ref } of cases) {
        const actual = await runOn('cpu', () => gradientsOf(f, inputs(filter)));
        const expected = await runOn('cpu', () => gradientsOf(ref, inputs(filter)));
        actual.forEach((a, i) => expectClose(a, expected[i]!, `${filter}: ${i}`));
      }
      // Undilated convolutions keep tfjs-core's gradient.
      const plain = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same');
      expect(await runOn('cpu', () => gradientsOf(plain, inputs([3, 3, 3, 4])))).toHaveLength(3);
    } finally {
      restore();
    }
    expect(() => runOnCpuSync(() => gradientsOf(dilatedConv, inputs([3, 3, 3, 4])))).toThrow(/dilation/);
  });
});

function runOnCpuSync(f: () => tf.Tensor[]): void {
  tf.dispose(tf.tidy(f));
}

/** Spreads a filter by 2 along the height and by 3 along the width. */
function spreadAnisotropic(w: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, c, m] = w.shape;
  const rows = tf.slice(
    tf.reshape(
      tf.pad(tf.reshape(w, [kh, 1, kw, c, m]), [
        [0, 0],
        [0, 1],
        [0, 0],
        [0, 0],
        [0, 0],
      ]),
      [kh * 2, kw, c, m],
    ),
    [0, 0, 0, 0],
    [kh * 2 - 1, kw, c, m],
  );
  const cols = tf.reshape(
    tf.pad(tf.reshape(rows, [kh * 2 - 1, kw, 1, c, m]), [
      [0, 0],
      [0, 0],
      [0, 2],
      [0, 0],
      [0, 0],
    ]),
    [kh * 2 - 1, kw * 3, c, m],
  );
  return tf.slice(cols, [0, 0, 0, 0], [kh * 2 - 1, kw * 3 - 2, c, m]) as tf.Tensor4D;
}
