/**
 * `pnpm pos`: the browser terminal. Starts the terminal core in this Node process, serves
 * the cashier UI on a local port and prints its URL.
 */
import { loadPosConfig, PosConfigError } from '../config';
import { consoleLogger, nodeBootDeps } from '../runtime';
import { BootError, boot } from '../shell/boot';
import { loadUiAssets } from './assets';
import { startWebTerminal, type WebTerminal } from './server';

async function main(): Promise<void> {
  const config = loadPosConfig(process.env, process.argv.slice(2));
  const log = consoleLogger;
  const assets = loadUiAssets();
  let web: WebTerminal | undefined;
  const started = performance.now();
  const booted = await boot({
    ...nodeBootDeps(config, log),
    expose: async (terminal) => {
      web = await startWebTerminal({ terminal, assets: await assets, host: config.host, port: config.port });
    },
    present: (terminal) => {
      const status = terminal.status();
      log.info(
        [
          '',
          `Till POS is ready in ${Math.round(performance.now() - started)} ms.`,
          '',
          `  Cashier screen   ${web?.url}`,
          `  Store server     ${config.serverUrl}`,
          `  Terminal         ${status.terminal ? `${status.terminal.name} (${status.terminal.id})` : 'not enrolled yet'}`,
          `  Catalog          ${status.catalog.products.toLocaleString('en-US')} products, ${status.catalog.rules} rules`,
          `  Data folder      ${config.dataDir}`,
          '',
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
    },
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await web?.close();
    await booted.terminal.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  if (error instanceof PosConfigError || error instanceof BootError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
