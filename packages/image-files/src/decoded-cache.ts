import { createHash } from 'node:crypto';
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { type AtomicFile, isProcessRunning, openAtomicFile } from '@asng/dataset-files';
import type { ImageTransform } from './decode.js';

/** First bytes of a decoded-image cache file. */
const MAGIC = 'ASNGDEC1';
/** Bytes before the first image: magic, image count, bytes per image, key digest. */
export const DECODED_CACHE_HEADER_BYTES = 64;
/** Changes whenever decoding could produce other pixels for the same file and options. */
const DECODER_VERSION = 2;

/**
 * Decoded, resized images of one split in one binary file, so that later
 * epochs read `size * size * 3` bytes per image instead of decoding it.
 *
 * The file is `<dir>/<list>-<key>.bin`: `<list>` hashes the image paths,
 * `<key>` also their sizes and modification times, the transform and the
 * decoder version, so a changed image or option gives another file (and the
 * stale one is deleted when the new one is complete). While images are
 * first decoded they are written at their offsets to
 * `<list>-<key>.partial-<pid>` (with `openAtomicFile`); when every image is
 * there the file is flushed and renamed, so a complete file is never
 * half-written. An error writing it names the `.bin` file; the partial file
 * is removed when the rename fails or the cache is closed, and those of
 * killed processes when a later one opens. Nothing is held in memory but a
 * bit per image.
 */
export class DecodedImageCache {
  private handle: FileHandle | null = null;
  /** The temporary file being filled, until complete. */
  private partial: AtomicFile | null = null;
  private complete = false;
  private written: Uint8Array;
  private remaining: number;
  private finalPath = '';
  private list = '';
  private finishing: Promise<void> | null = null;

  private constructor(
    readonly dir: string,
    private readonly count: number,
    private readonly bytesPerImage: number,
  ) {
    this.written = new Uint8Array(count);
    this.remaining = count;
  }

  /**
   * Opens the complete cache file for these files and transform if there is
   * one, else starts a partial one.
   *
   * @throws Error naming `dir` if it cannot be created or written.
   */
  static async open(dir: string, files: readonly string[], transform: ImageTransform): Promise<DecodedImageCache> {
    const bytesPerImage = transform.size * transform.size * 3;
    const cache = new DecodedImageCache(dir, files.length, bytesPerImage);
    try {
      await mkdir(dir, { recursive: true });
      await cache.start(files, transform);
    } catch (error) {
      throw new Error(`decoded-image cache: cannot use the directory ${dir}: ${(error as Error).message}`, { cause: error });
    }
    return cache;
  }

  /** Whether every image is in the file, so reads need no decoding. */
  get isComplete(): boolean {
    return this.complete;
  }

  /** The file in use: the complete one, or the partial one being filled. */
  get path(): string {
    return this.complete || this.partial === null ? this.finalPath : this.partial.temporary;
  }

  /** Whether image `index` can be read from the file. */
  has(index: number): boolean {
    return this.complete || this.written[index] === 1;
  }

  /** Reads image `index` into `target` at `offset`, without an intermediate copy. */
  async readInto(index: number, target: Uint8Array, offset: number): Promise<void> {
    const position = DECODED_CACHE_HEADER_BYTES + index * this.bytesPerImage;
    const { bytesRead } = await this.handle!.read(target, offset, this.bytesPerImage, position);
    if (bytesRead !== this.bytesPerImage) {
      throw new Error(
        `decoded-image cache ${this.path}: expected ${this.bytesPerImage} bytes of image ${index}, found ${bytesRead}; delete the file to rebuild it`,
      );
    }
  }

  /** Stores a decoded image; the file is completed once every image is stored. */
  async write(index: number, pixels: Uint8Array): Promise<void> {
    if (this.has(index) || this.partial === null) return;
    await this.partial.write(pixels.subarray(0, this.bytesPerImage), DECODED_CACHE_HEADER_BYTES + index * this.bytesPerImage);
    this.written[index] = 1;
    this.remaining--;
    if (this.remaining === 0) {
      this.finishing = this.finish();
      await this.finishing;
    }
  }

  /** Closes the file; an incomplete partial file is deleted. */
  async close(): Promise<void> {
    await this.finishing?.catch(() => undefined);
    const handle = this.handle;
    const partial = this.partial;
    this.handle = null;
    this.partial = null;
    if (partial !== null) await partial.abort();
    else if (handle !== null) await handle.close();
  }

  private async start(files: readonly string[], transform: ImageTransform): Promise<void> {
    const list = createHash('sha256');
    const key = createHash('sha256');
    key.update(JSON.stringify({ decoder: DECODER_VERSION, size: transform.size, crop: transform.crop ?? null }));
    for (const file of files) {
      const { size, mtimeMs } = await stat(file);
      list.update(`${file}\0`);
      key.update(`${file}\0${size}\0${mtimeMs}\0`);
    }
    this.list = list.digest('hex').slice(0, 16);
    const digest = key.digest();
    const name = `${this.list}-${digest.toString('hex').slice(0, 16)}`;
    this.finalPath = join(this.dir, `${name}.bin`);
    const partialPath = join(this.dir, `${name}.partial-${process.pid}`);
    const header = Buffer.alloc(DECODED_CACHE_HEADER_BYTES);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(this.count, 8);
    header.writeUInt32LE(this.bytesPerImage, 12);
    digest.copy(header, 16);
    if (await this.openComplete(header)) return;
    await this.removeAbandoned();
    this.partial = await openAtomicFile(this.finalPath, { temporary: partialPath });
    this.handle = this.partial.handle;
    await this.partial.write(header, 0);
    if (this.count === 0) await this.finish();
  }

  /** Opens the complete file if it exists with this header and length; deletes it if it does not match. */
  private async openComplete(header: Buffer): Promise<boolean> {
    const handle = await open(this.finalPath, 'r').catch(() => null);
    if (handle === null) return false;
    const found = Buffer.alloc(DECODED_CACHE_HEADER_BYTES);
    await handle.read(found, 0, found.length, 0);
    const { size } = await handle.stat();
    if (found.equals(header) && size === DECODED_CACHE_HEADER_BYTES + this.count * this.bytesPerImage) {
      this.handle = handle;
      this.complete = true;
      return true;
    }
    await handle.close();
    await unlink(this.finalPath).catch(() => undefined);
    return false;
  }

  /** Deletes partial files of these images left by processes that no longer run. */
  private async removeAbandoned(): Promise<void> {
    for (const entry of await readdir(this.dir)) {
      const match = /\.partial-(\d+)$/.exec(entry);
      if (!entry.startsWith(`${this.list}-`) || match === null || Number(match[1]) === process.pid) continue;
      if (!isProcessRunning(Number(match[1]))) await unlink(join(this.dir, entry)).catch(() => undefined);
    }
  }

  private async finish(): Promise<void> {
    // The handle stays open across the rename: reads of this batch may be using it.
    await this.partial!.commit({ keepOpen: true });
    this.complete = true;
    this.written = new Uint8Array(0);
    // Files of the same images under other keys (older sizes, times or options) are stale.
    for (const entry of await readdir(this.dir)) {
      if (entry.startsWith(`${this.list}-`) && entry.endsWith('.bin') && join(this.dir, entry) !== this.finalPath) {
        await unlink(join(this.dir, entry)).catch(() => undefined);
      }
    }
  }
}
