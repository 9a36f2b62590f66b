import Fastify from 'fastify';

/**
 * For the holds bench: a bare Fastify route in its own process, the framework's own ceiling
 * for a request shaped like a hold. POST /v1/holds parses the JSON body and answers 201 with
 * a hold-shaped JSON; no key, no validation, no Redis, no PostgreSQL. Listens on PORT and
 * prints `ready` when it does.
 */
const app = Fastify({ logger: false });
let n = 0;
app.post('/v1/holds', async (request, reply) => {
  const { sku, qty, holderId } = request.body as { sku: string; qty: number; holderId: string };
  n++;
  return reply.status(201).send({
    holdId: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    storeId: 'demo',
    sku,
    holderId,
    cartId: null,
    qty,
    state: 'active',
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
    reason: null,
    orderId: null,
  });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
