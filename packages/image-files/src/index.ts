export { averageDown, decodeImage, imageDimensions } from './decode.js';
export type { ImageTransform } from './decode.js';
export { DECODED_CACHE_HEADER_BYTES, DecodedImageCache } from './decoded-cache.js';
export { diskCacheDir } from './disk-cache-dir.js';
export { ImageFileSplit } from './image-split.js';
