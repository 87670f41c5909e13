/**
 * @deprecated Moved to `@asng/engine` (it does not depend on the search
 * space); import `fileSystemIO` and `registerFileSystemRouter` from there.
 */
export { fileSystemIO, registerFileSystemRouter } from '@asng/engine';
