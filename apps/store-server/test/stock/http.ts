import http from 'node:http';

export interface JsonResponse {
  status: number;
  body: Record<string, unknown> & { error?: Record<string, unknown> };
}

/**
 * Many HTTP clients at once: every request is sent immediately over a pool of keep-alive
 * connections (as many as `connections`), the way a crowd of shoppers reaches a server.
 */
export function crowd(baseUrl: string, key: string, connections = 256) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(baseUrl);
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<JsonResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${key}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  return { send, close: () => agent.destroy() };
}

/** The holder of a granted hold (a 201 answer of POST /v1/holds) places an order for it, with a key made from it. */
export function checkoutHold(client: ReturnType<typeof crowd>, granted: JsonResponse, keyPrefix = 'order') {
  return client.send(
    'POST',
    '/v1/orders',
    {
      holderId: granted.body.holderId,
      holdIds: [granted.body.holdId],
      payment: { method: 'card', reference: `psp-${granted.body.holdId}` },
    },
    { 'idempotency-key': `${keyPrefix}-${granted.body.holdId}` },
  );
}
