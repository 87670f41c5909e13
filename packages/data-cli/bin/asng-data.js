#!/usr/bin/env node
// A committed launcher, so that npm links the bin before the first build; the code is in dist/.
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('asng-data: not built yet; run `npx turbo run build --filter=@asng/data-cli...` first');
    process.exitCode = 1;
  } else {
    throw error;
  }
});
