import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cashier UI as files the browser terminal serves (and Electron loads from dist/ui). */
export interface UiAssets {
  files: Map<string, { body: string | Uint8Array; type: string }>;
}

const uiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The UI as built by `pnpm --filter @till/pos build` when it sits beside this (bundled)
 * module, else bundled now from source.
 */
export async function loadUiAssets(): Promise<UiAssets> {
  if (existsSync(path.join(uiDir, 'app.js'))) {
    const files: UiAssets['files'] = new Map();
    for (const name of await readdir(uiDir)) {
      files.set(name === 'index.html' ? '/' : `/${name}`, {
        body: await readFile(path.join(uiDir, name)),
        type: TYPES[path.extname(name)] ?? 'application/octet-stream',
      });
    }
    return { files };
  }
  return buildUiAssets();
}

/** Bundles the renderer with esbuild (a few hundred ms), in memory. */
export async function buildUiAssets(options: { minify?: boolean } = {}): Promise<UiAssets> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(uiDir, 'main.tsx')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'chrome120',
    minify: options.minify ?? true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: '/',
    logLevel: 'silent',
  });
  const files: UiAssets['files'] = new Map();
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    files.set(`/${name === 'main.js' ? 'app.js' : name === 'main.css' ? 'app.css' : name}`, {
      body: file.text,
      type: TYPES[path.extname(name)] ?? 'application/octet-stream',
    });
  }
  files.set('/', { body: await readFile(path.join(uiDir, 'index.html'), 'utf8'), type: TYPES['.html'] ?? '' });
  files.set('/styles.css', { body: await readFile(path.join(uiDir, 'styles.css'), 'utf8'), type: TYPES['.css'] ?? '' });
  return { files };
}
