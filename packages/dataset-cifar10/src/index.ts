export {
  CIFAR10_ARCHIVE,
  CIFAR10_ARCHIVE_SHA256,
  CIFAR10_CLASS_NAMES,
  CIFAR10_MIRROR,
  CIFAR10_RECORD_BYTES,
  cifar10,
  decodeCifar10Records,
} from './cifar10.js';
export type { Cifar10LoadOptions } from './cifar10.js';
