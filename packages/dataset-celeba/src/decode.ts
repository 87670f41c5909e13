import sharp from 'sharp';
import { DatasetFormatError } from '@asng/dataset-files';

/** How each image is cut and scaled. */
export interface ImageTransform {
  /** Side of the square output, in pixels. */
  readonly size: number;
  /** Side of the centred square cut from the source before resizing; the largest centred square when absent. */
  readonly crop?: number;
}

/**
 * Decodes an image file (JPEG, PNG, WebP...) with sharp, cuts a centred
 * square, resizes it to `size` x `size` and returns it as `uint8` RGB, HWC.
 * Grey images are expanded to RGB; transparency is composited over black.
 *
 * @throws {@link DatasetFormatError} naming the file if it is unreadable, not an image, truncated, or smaller than the crop.
 */
export async function decodeImage(file: string, transform: ImageTransform): Promise<Uint8Array> {
  const { size, crop } = transform;
  // Cut first, then resize, so no pixel outside the square reaches the output.
  try {
    let image = sharp(file, { failOn: 'warning' });
    const { width = 0, height = 0 } = await image.metadata();
    const side = crop ?? Math.min(width, height);
    if (width < side || height < side || side === 0) {
      throw new DatasetFormatError(file, `an image at least ${side}x${side} for the centre crop`, `${width}x${height}`);
    }
    image = image
      .extract({ left: (width - side) >> 1, top: (height - side) >> 1, width: side, height: side })
      .resize(size, size, { fit: 'fill' });
    const { data, info } = await image.flatten().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== size || info.height !== size) {
      throw new DatasetFormatError(file, `a ${size}x${size} RGB image after decoding`, `${info.width}x${info.height} with ${info.channels} channels`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError(file, 'a readable image (JPEG, PNG or WebP)', `an error: ${(error as Error).message}`);
  }
}
