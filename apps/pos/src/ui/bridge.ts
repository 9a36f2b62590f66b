import type { Result } from '../core/errors';
import type { TerminalEvent } from '../core/views';
import { CHANNELS, type Channel, splitChannel, type TillApi } from '../shell/ipc';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser terminal. */
    till?: TillApi;
  }
}

/**
 * The same TillApi over HTTP, for the browser terminal: each operation is a POST to
 * /api/<operation> answered with the core's Result; events arrive as server-sent events.
 */
export function httpTill(base = ''): TillApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const channel of CHANNELS) {
    const [namespace, method] = splitChannel(channel);
    const group = api[namespace] ?? {};
    api[namespace] = group;
    group[method] = (request: unknown) => call(base, channel, request);
  }
  api.events = {
    subscribe(listener: (event: TerminalEvent) => void) {
      const source = new EventSource(`${base}/api/events`);
      source.onmessage = (message) => listener(JSON.parse(message.data) as TerminalEvent);
      source.onerror = () =>
        listener({
          type: 'outOfSync',
          message: 'The terminal’s local service does not answer. Is `pnpm pos` still running?',
        });
      return () => source.close();
    },
  };
  return api as unknown as TillApi;
}

async function call(base: string, channel: Channel, request: unknown): Promise<Result<unknown>> {
  try {
    const response = await fetch(`${base}/api/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request ?? {}),
    });
    return (await response.json()) as Result<unknown>;
  } catch (error) {
    return {
      ok: false,
      error: {
        code: 'INTERNAL',
        message: `The terminal’s local service does not answer (${(error as Error).message}).`,
      },
    };
  }
}

/** Electron's preload API when present, else the HTTP bridge. */
export function till(): TillApi {
  return window.till ?? httpTill();
}
