// Bundles the CLI, the worker child and the VS Code extension entry into dist/ as CommonJS for Node 20.
// Packages that load wasm, worker scripts or data files by path at run time stay external and ship in
// node_modules, so their own path resolution keeps working in a bundle and in a VSIX.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));
const watch = process.argv.includes('--watch');

/*
 * undici (1 MB of JavaScript, most of each bundle) is only needed for the first request to Ollama, and the VS Code
 * extension is loaded on every activation: reading and compiling it there cost ~100 ms. So it is bundled once into
 * dist/undici.js and each entry's `require('undici')` (lazy, in src/core/ollama.ts) is pointed at that file.
 */
const undiciBesideBundle = {
  name: 'undici-beside-bundle',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: './undici.js', external: true }));
  },
};

/*
 * franc-min (170 KB, most of it trigram tables) tells a summary's language, which a listing needs only for files
 * with text in a language not the user's: like undici it is one file beside the bundles (dist/franc.js), required
 * on first use (src/processors/summaryLanguage.ts), so the extension does not read it on every activation.
 */
const francBesideBundle = {
  name: 'franc-beside-bundle',
  setup(build) {
    build.onResolve({ filter: /^franc-min$/ }, () => ({ path: './franc.js', external: true }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['vscode', 'tesseract.js', '@tesseract.js-data/eng', 'heic-decode', 'libheif-js', 'jimp', 'ffmpeg-static', 'nodejs-whisper'],
  define: { PACKAGE_VERSION: JSON.stringify(pkg.version) },
  plugins: [undiciBesideBundle, francBesideBundle],
};

const entries = [
  { entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' },
  { entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' },
  // The VS Code extension host entry ("main" in package.json); `vscode` is provided by the host (external above).
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  // The one copy of undici the three entries load on their first Ollama request (plugin above).
  { entryPoints: ['node_modules/undici/index.js'], outfile: 'dist/undici.js', plugins: [] },
  { entryPoints: ['node_modules/franc-min/index.js'], outfile: 'dist/franc.js', plugins: [] },
];

if (watch) {
  const { context } = await import('esbuild');
  for (const entry of entries) await (await context({ ...common, ...entry })).watch();
} else {
  await Promise.all(entries.map((entry) => build({ ...common, ...entry })));
}
