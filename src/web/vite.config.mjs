// Builds the web console into dist/web (served by `cbs serve` at /ui). Every text file
// is also written precompressed (.br, .gz), so the server compresses nothing per request.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = join(here, '../../dist/web');

function precompress() {
  return {
    name: 'cbs-precompress',
    apply: 'build',
    async closeBundle() {
      const walk = async (dir) => (await Promise.all((await readdir(dir, { withFileTypes: true }))
        .map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])))).flat();
      for (const f of await walk(outDir)) {
        if (!/\.(html|js|css|svg|json|txt)$/.test(f)) continue;
        const data = await readFile(f);
        await writeFile(`${f}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
        await writeFile(`${f}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: '/ui/',
  publicDir: false,
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // No inline script in index.html: the content security policy allows none.
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  plugins: [precompress()],
});
