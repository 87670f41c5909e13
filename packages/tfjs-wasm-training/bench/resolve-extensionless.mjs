// tfjs-core ships its per-file ES modules (dist/*.js, needed for
// `dist/register_all_gradients`) with extensionless relative imports, which
// bundlers and vitest resolve but Node's ESM loader does not. This resolve hook
// retries such imports with `.js` and `/index.js`. Registered by ./node-hooks.mjs.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const retry = error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'ERR_UNSUPPORTED_DIR_IMPORT';
    if (!retry || !specifier.startsWith('.') || /\.[cm]?js$/.test(specifier)) throw error;
    try {
      return await next(`${specifier}.js`, context);
    } catch {
      return next(`${specifier}/index.js`, context);
    }
  }
}
