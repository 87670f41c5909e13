export { CELEBA_IMAGE_FOLDER, CELEBA_PARTITION_FILE, celeba, parsePartition } from './celeba.js';
export type { CelebaLoadOptions } from './celeba.js';
