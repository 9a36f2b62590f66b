/**
 * Cold start of the browser terminal to ready-to-scan, with 10,000 products and 1,000 rules
 * in its database: from spawning `pnpm pos`'s program to the cashier page showing the scan
 * field with the session loaded (Chromium already running). Then scan → total on screen,
 * measured inside the page from the Enter key to the frame after the total changed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildElectronApp } from '../scripts/build';
import { launchChromium, scanOnScreen } from './browser';
import { random } from './fixtures';
import { ms, summarize } from './stats';
import { benchDir } from './support';
import { prepareTerminalData } from './terminal-data';

const posRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Variant {
  name: string;
  args: string[];
}

export async function startupAndScreenBench(options: {
  products: number;
  rules: number;
  starts: number;
  scans: number;
}) {
  const dir = benchDir('startup');
  // Built where packaging builds it, so better-sqlite3 resolves from the package's node_modules.
  const built = path.join(posRoot, 'dist');
  await buildElectronApp(built);
  const { products } = await prepareTerminalData(dir.dir, options);
  const browser = await launchChromium();
  const variants: Variant[] = [
    // What runs at the till: the app as built for packaging (one bundle, UI prebuilt).
    {
      name: 'built (`pnpm --filter @till/pos build`, node dist/web/main.js)',
      args: [path.join(built, 'web/main.js')],
    },
    // `pnpm pos` on a developer's checkout: TypeScript compiled on the fly by tsx, UI bundled at start.
    { name: '`pnpm pos` from source (tsx)', args: ['--import', 'tsx', 'src/web/main.ts'] },
  ];
  let screen: number[] = [];
  try {
    for (const variant of variants) {
      const starts: { server: number; ready: number }[] = [];
      for (let run = 0; run < options.starts; run++) {
        const started = performance.now();
        const child = spawn(process.execPath, variant.args, {
          cwd: posRoot,
          env: {
            ...process.env,
            TILL_POS_DATA_DIR: dir.dir,
            TILL_POS_PORT: '0',
            TILL_SERVER_URL: 'http://127.0.0.1:9',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        try {
          const url = await new Promise<string>((resolve, reject) => {
            let out = '';
            child.stdout.on('data', (chunk) => {
              out += chunk;
              const match = /Cashier screen\s+(\S+)/.exec(out);
              if (match?.[1]) resolve(match[1]);
            });
            child.stderr.on('data', (chunk) => (out += chunk));
            child.on('exit', (code) => reject(new Error(`terminal exited (${code}):\n${out}`)));
          });
          const server = performance.now() - started;
          const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
          await page.goto(url);
          await page.waitForSelector('[data-testid=scan-input]');
          await page.waitForSelector('[data-testid=connection]');
          starts.push({ server, ready: performance.now() - started });
          if (run === options.starts - 1 && variant === variants[0]) {
            const next = random(3);
            const codes = Array.from(
              { length: options.scans },
              () => products[Math.floor(next() * products.length)]?.barcode ?? '',
            );
            // Sales of 30 lines: clear the cart between them.
            for (let i = 0; i < codes.length; i += 30) {
              screen = screen.concat(await scanOnScreen(page, codes.slice(i, i + 30)));
              await page.evaluate(() =>
                fetch('/api/checkout.cancel', {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  body: '{}',
                }),
              );
              await page.reload();
              await page.waitForSelector('[data-testid=scan-input]');
            }
          }
          await page.close();
        } finally {
          child.kill('SIGINT');
          await new Promise((r) => child.on('exit', r));
        }
      }
      const ready = summarize(starts.map((s) => s.ready));
      const server = summarize(starts.map((s) => s.server));
      console.log(
        `cold start to ready-to-scan, ${variant.name}, ${options.products.toLocaleString('en-US')} products, ${options.rules} rules, ${ready.n} starts:` +
          ` median ${ms(ready.median)}, worst ${ms(ready.max)} (process up and serving: median ${ms(server.median)})`,
      );
    }
  } finally {
    await browser.close();
    dir.remove();
  }
  const onScreen = summarize(screen);
  console.log(
    `scan → total on screen (Chromium, browser terminal), ${onScreen.n} scans: median ${ms(onScreen.median)}, p99 ${ms(onScreen.p99)}, max ${ms(onScreen.max)}`,
  );
  return { onScreen };
}
