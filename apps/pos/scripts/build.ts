/**
 * Builds the Electron app into dist/ for electron-builder: the main process (ESM, with the
 * terminal core, the engine and the sync client bundled in), the sandboxed preload (CommonJS,
 * as Electron requires for sandboxed preloads), and the cashier UI. better-sqlite3 stays
 * outside the bundle: it is native, and electron-builder rebuilds it for Electron's ABI.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildUiAssets } from '../src/web/assets';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds into `dist`; answers what the main process still loads at run time (not bundled). */
export async function buildElectronApp(dist = path.join(root, 'dist')): Promise<{ externalImports: string[] }> {
  await rm(dist, { recursive: true, force: true });
  const main = await build({
    metafile: true,
    // The Electron main process, and the browser terminal's server (same core, no Electron).
    entryPoints: { 'shell/main': path.join(root, 'src/shell/main.ts'), 'web/main': path.join(root, 'src/web/main.ts') },
    outdir: dist,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // esbuild: only when the UI is not prebuilt beside the bundle, which it always is here.
    // bufferutil and utf-8-validate: optional native speed-ups of `ws` (Socket.IO's), which it does without.
    external: ['electron', 'better-sqlite3', 'esbuild', 'bufferutil', 'utf-8-validate'],
    // Bundled CommonJS dependencies may call require(); give ESM output one.
    banner: {
      js: "import { createRequire as __tillRequire } from 'node:module'; const require = __tillRequire(import.meta.url);",
    },
    outExtension: { '.js': '.js' },
    logLevel: 'warning',
  });
  await build({
    entryPoints: [path.join(root, 'src/shell/preload.ts')],
    outfile: path.join(dist, 'shell/preload.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    logLevel: 'warning',
  });
  const ui = await buildUiAssets({ minify: true });
  await mkdir(path.join(dist, 'ui'), { recursive: true });
  for (const [name, file] of ui.files) {
    await writeFile(path.join(dist, 'ui', name === '/' ? 'index.html' : name.slice(1)), file.body);
  }
  // What the Electron main process loads at run time (the browser terminal's bundle may also load esbuild).
  const externalImports = Object.entries(main.metafile.outputs)
    .filter(([file]) => file.endsWith('shell/main.js'))
    .flatMap(([, output]) => output.imports.filter((i) => i.external).map((i) => i.path));
  return { externalImports: [...new Set(externalImports)].sort() };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildElectronApp();
  console.log('built dist/ (shell/main.js, shell/preload.cjs, ui/)');
}
