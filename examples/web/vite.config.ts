import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/**
 * Files the page serves from its own origin, under these URL folders: the
 * embedded Fashion-MNIST subset (the package's gzipped IDX files) and the
 * tfjs wasm binaries. Served from node_modules by the dev server, copied
 * into the build for `vite preview` and any static host.
 */
const STATIC_FOLDERS: readonly { readonly url: string; readonly dir: string; readonly match: RegExp }[] = [
  { url: 'data/fashion-mnist-subset', dir: join(packageDir('@asng/dataset-fashion-mnist-subset'), 'data'), match: /\.gz$|^LICENSE$/ },
  { url: 'tfjs-wasm', dir: join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'), match: /\.wasm$/ },
];

function staticFiles(): Plugin {
  return {
    name: 'asng-static-files',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '').split('?')[0]!;
        for (const folder of STATIC_FOLDERS) {
          const prefix = `/${folder.url}/`;
          const name = path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : '';
          if (name !== '' && folder.match.test(name) && readdirSync(folder.dir).includes(name)) {
            response.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream');
            createReadStream(join(folder.dir, name)).pipe(response);
            return;
          }
        }
        next();
      });
    },
    generateBundle() {
      for (const folder of STATIC_FOLDERS) {
        for (const name of readdirSync(folder.dir).filter((n) => folder.match.test(n))) {
          this.emitFile({ type: 'asset', fileName: `${folder.url}/${name}`, source: readFileSync(join(folder.dir, name)) });
        }
      }
    },
  };
}

/**
 * tfjs-backend-wasm starts its pthread workers on the source of its threaded
 * factory, got with `Function.prototype.toString()`: once bundled and
 * minified, that source names variables of the bundle the worker lacks
 * (`ReferenceError: e is not defined`). Hand it the factory's file as
 * published instead, which defines `WasmBackendModuleThreadedSimd` itself.
 */
function tfjsWasmThreads(): Plugin {
  const factory = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const call = /`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)/;
  return {
    name: 'asng-tfjs-wasm-threads',
    apply: 'build',
    transform(code, id) {
      if (!/tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/.test(id)) return null;
      if (!call.test(code)) throw new Error(`${id}: the threaded factory's toString() call was not found; check the tfjs-backend-wasm version`);
      return { code: code.replace(call, () => JSON.stringify(readFileSync(factory, 'utf8'))), map: null };
    },
  };
}

/** Cross-origin isolation, so that SharedArrayBuffer, and with it the threaded wasm backend, is available. */
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  // Our packages are bundled from their TypeScript sources, as the tests read them.
  resolve: { conditions: ['@asng/source', ...defaultClientConditions] },
  plugins: [staticFiles(), tfjsWasmThreads()],
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 6000 },
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation, port: 5174 },
});
