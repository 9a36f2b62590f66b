/**
 * The Electron main process: a thin shell. It starts the terminal core with the same boot
 * steps as the browser terminal, answers each IPC channel with the core's one typed call,
 * forwards the core's events, and shows the cashier UI in a sandboxed window. This file and
 * preload.ts are the only ones that import `electron`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import { loadPosConfig } from '../config';
import { consoleLogger, nodeBootDeps } from '../runtime';
import { boot } from './boot';
import { CHANNELS, EVENT_CHANNEL, ipcChannel } from './ipc';

const here = path.dirname(fileURLToPath(import.meta.url));

async function start(): Promise<void> {
  const config = loadPosConfig(process.env, process.argv.slice(app.isPackaged ? 1 : 2), {
    dataDir: path.join(app.getPath('userData'), 'pos'),
  });
  let window: BrowserWindow | undefined;
  const booted = await boot({
    ...nodeBootDeps(config, consoleLogger),
    expose: (terminal) => {
      for (const channel of CHANNELS) {
        ipcMain.handle(ipcChannel(channel), (event, request: unknown) => {
          // Only our own window's page may call the core.
          if (!window || event.sender !== window.webContents) {
            return { ok: false, error: { code: 'UNKNOWN_OPERATION', message: 'Not this terminal’s window.' } };
          }
          return terminal.app.callByName(channel, request);
        });
      }
      terminal.events.subscribe((event) => {
        if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
      });
    },
    present: async () => {
      window = new BrowserWindow({
        width: 1366,
        height: 800,
        minWidth: 1024,
        minHeight: 700,
        title: 'Till POS',
        backgroundColor: '#f3f5f8',
        webPreferences: {
          preload: path.join(here, 'preload.cjs'),
          contextIsolation: true,
          sandbox: true,
          nodeIntegration: false,
          webSecurity: true,
          spellcheck: false,
        },
      });
      window.setMenuBarVisibility(false);
      // The cashier page never navigates away nor opens windows.
      window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
      window.webContents.on('will-navigate', (event) => event.preventDefault());
      await window.loadFile(path.join(here, '../ui/index.html'));
    },
  });
  app.on('before-quit', () => {
    void booted.terminal.close();
  });
}

app.on('window-all-closed', () => app.quit());
app
  .whenReady()
  .then(start)
  .catch((error: unknown) => {
    dialog.showErrorBox('Till POS could not start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
