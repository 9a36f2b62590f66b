import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** The OpenAPI document is generated from the same zod schemas that validate requests. */
export const docs = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Till store server API',
        description:
          'Catalog, prices, stock holds and orders for storefronts, terminals and managers. ' +
          'Amounts are decimal strings with an ISO 4217 currency code. Every error has the shape ' +
          '`{ "error": { "code": "...", "message": "..." } }`.',
        version: '1.0.0',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key: till_sf_… (storefront), till_tm_…, till_mg_…, till_ad_…',
          },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'catalog', description: 'Products with their prices for a currency and customer, and availability' },
        { name: 'carts', description: 'Pricing carts with the pricing engine' },
        { name: 'pricing rules', description: 'Rules in the engine’s JSON format, validated on write (managers)' },
        { name: 'campaigns', description: 'Named groups of rules with a start and an end: flash sales (managers)' },
        { name: 'prices', description: 'Price lists per channel and base prices (managers)' },
        { name: 'customers', description: 'Customers, their segments, lookup by loyalty card or phone' },
        { name: 'currency', description: 'Exchange-rate snapshots, the ECB-format feed' },
        { name: 'stores', description: 'Stores and their dashboards' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
