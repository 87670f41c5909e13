export { CELEBA_IMAGE_FOLDER, CELEBA_PARTITION_FILE, celeba, diskCacheDir, parsePartition } from './celeba.js';
export type { CelebaLoadOptions } from './celeba.js';
export { averageDown, decodeImage, imageDimensions } from './decode.js';
export { DECODED_CACHE_HEADER_BYTES, DecodedImageCache } from './decoded-cache.js';
export type { ImageTransform } from './decode.js';
export { ImageFileSplit } from './image-split.js';
