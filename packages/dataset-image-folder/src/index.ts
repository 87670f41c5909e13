export { imageFolder } from './image-folder.js';
export type { ImageFolderLoadOptions } from './image-folder.js';
