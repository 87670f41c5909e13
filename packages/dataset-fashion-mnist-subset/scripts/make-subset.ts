/**
 * Rebuilds data/ from the full Fashion-MNIST: the first 600 training and the
 * first 100 test images of each class, in their original order.
 *
 *   npx tsx --conditions=@asng/source scripts/make-subset.ts [/usr/share/datasets/fashion-mnist]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEBIAN_FASHION_MNIST_DIR, findIdxFiles, readIdxExamples } from '@asng/dataset-mnist';

const PER_CLASS = { train: 600, t10k: 100 } as const;
const CLASSES = 10;

const source = process.argv[2] ?? DEBIAN_FASHION_MNIST_DIR;
const paths = await findIdxFiles(source);
if (paths === null) throw new Error(`${source}: the four Fashion-MNIST IDX files are not there (apt-get install dataset-fashion-mnist)`);
const out = join(import.meta.dirname, '..', 'data');
mkdirSync(out, { recursive: true });

for (const [prefix, perClass] of Object.entries(PER_CLASS)) {
  const isTrain = prefix === 'train';
  const full = await readIdxExamples(isTrain ? paths.trainImages : paths.testImages, isTrain ? paths.trainLabels : paths.testLabels, CLASSES);
  const taken = new Array<number>(CLASSES).fill(0);
  const chosen: number[] = [];
  for (let i = 0; i < full.count; i++) {
    const label = full.labels[i]!;
    if (taken[label]! < perClass) {
      taken[label]!++;
      chosen.push(i);
    }
  }
  if (chosen.length !== perClass * CLASSES) throw new Error(`${prefix}: only ${chosen.length} images found`);
  const pixels = full.rows * full.columns;
  const images = Buffer.alloc(16 + chosen.length * pixels);
  images.writeUInt32BE(0x00000803, 0);
  images.writeUInt32BE(chosen.length, 4);
  images.writeUInt32BE(full.rows, 8);
  images.writeUInt32BE(full.columns, 12);
  const labels = Buffer.alloc(8 + chosen.length);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(chosen.length, 4);
  chosen.forEach((index, k) => {
    images.set(full.images.subarray(index * pixels, (index + 1) * pixels), 16 + k * pixels);
    labels[8 + k] = full.labels[index]!;
  });
  for (const [name, bytes] of [
    [`${prefix}-images-idx3-ubyte.gz`, images],
    [`${prefix}-labels-idx1-ubyte.gz`, labels],
  ] as const) {
    const gz = gzipSync(bytes, { level: 9 });
    writeFileSync(join(out, name), gz);
    console.log(`${createHash('sha256').update(gz).digest('hex')}  ${name}  (${chosen.length} examples, ${gz.length} bytes)`);
  }
}
