export { BACKEND_PREFERENCE, selectBackend } from './select-backend.js';
export type { BackendAttempt, BackendChoice, BackendSelection, SelectBackendOptions } from './select-backend.js';
