import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/index.ts');

describe('@till/sync in a browser', () => {
  it('bundles for the browser with no Node-only import', async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    const nodeOnly = inputs.filter((i) => i.startsWith('node:') || builtinModules.includes(i));
    expect(nodeOnly).toEqual([]);
    // the browser build of socket.io-client, not its Node one (which brings the `ws` package)
    expect(inputs.some((i) => i.includes('encodePacket.browser'))).toBe(true);
    expect(inputs.filter((i) => i.includes('/node_modules/ws/') || i.includes('globals.node'))).toEqual([]);
  });
});
