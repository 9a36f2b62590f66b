import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Terminal } from '../core/terminal';
import { CHANNELS } from '../shell/ipc';
import type { UiAssets } from './assets';

/**
 * The browser terminal: a small local HTTP server that serves the cashier UI and bridges
 * its operations to the terminal core (POST /api/<operation>, answered with the same typed
 * Result as over IPC) and the core's events (GET /api/events, server-sent events). The core
 * runs here, in Node; the page only calls operations.
 */

export interface WebTerminal {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const KNOWN = new Set<string>(CHANNELS);

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body is larger than 64 KiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Only the page this server served may call operations: same origin, JSON bodies (no simple cross-site POST). */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `http://${req.headers.host}`;
}

export async function startWebTerminal(options: {
  terminal: Terminal;
  assets: UiAssets;
  host: string;
  port: number;
}): Promise<WebTerminal> {
  const { terminal, assets } = options;
  const streams = new Set<ServerResponse>();
  const unsubscribe = terminal.events.subscribe((event) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const res of streams) res.write(frame);
  });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://terminal');
    const pathname = url.pathname;
    if (pathname.startsWith('/api/')) {
      void handleApi(req, res, pathname.slice('/api/'.length));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed here` } });
      return;
    }
    const receipt = /^\/receipts\/([A-Za-z0-9-]{1,64})$/.exec(pathname);
    if (receipt?.[1]) {
      void terminal.app.call('sales.receipt', { saleId: receipt[1] }).then((result) => {
        if (result.ok) send(res, 200, result.value.html, 'text/html; charset=utf-8');
        else send(res, 404, result.error.message, 'text/plain; charset=utf-8');
      });
      return;
    }
    const asset = assets.files.get(pathname === '/index.html' ? '/' : pathname);
    if (!asset) {
      send(res, 404, 'Not found', 'text/plain; charset=utf-8');
      return;
    }
    send(res, 200, asset.body, asset.type);
  });

  async function handleApi(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!sameOrigin(req)) {
      sendJson(res, 403, {
        ok: false,
        error: { code: 'FORBIDDEN', message: 'Operations are only for this terminal’s own page.' },
      });
      return;
    }
    if (name === 'events' && req.method === 'GET') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        connection: 'keep-alive',
      });
      res.write(`data: ${JSON.stringify({ type: 'status', status: terminal.status() })}\n\n`);
      streams.add(res);
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(keepAlive);
        streams.delete(res);
      });
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, {
        ok: false,
        error: { code: 'METHOD_NOT_ALLOWED', message: 'Operations are called with POST.' },
      });
      return;
    }
    if (!KNOWN.has(name)) {
      sendJson(res, 404, {
        ok: false,
        error: { code: 'UNKNOWN_OPERATION', message: `There is no operation called "${name}".` },
      });
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      sendJson(res, 415, {
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: 'Send the request as JSON (content-type: application/json).' },
      });
      return;
    }
    let request: unknown;
    try {
      const text = await readBody(req);
      request = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      sendJson(res, 400, {
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: `The request is not valid JSON: ${(error as Error).message}` },
      });
      return;
    }
    // Operation failures are answers (200 with ok: false), exactly as over IPC.
    sendJson(res, 200, await terminal.app.callByName(name, request));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    server,
    close: async () => {
      unsubscribe();
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
