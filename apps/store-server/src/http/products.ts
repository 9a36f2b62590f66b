import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { catalogEndpoints as api, type productSchema } from '../api/catalog';
import { routeOf } from '../api/endpoint';
import { MANAGER_UP, STOREFRONT_UP } from '../auth/plugin';
import { PRODUCT_COLUMNS, type ProductRow, productIdentity } from '../catalog/product-row';
import { notFound } from '../errors';
import { setBasePrice } from '../pricing/base-prices';
import { trimScale } from '../pricing/decimal-text';
import type { ProductPrice } from '../pricing/service';
import { channelOf } from './channel';
import { plainJsonSerializer } from './fast-serializer';
import { idempotentWrite } from './idempotency';
import { storeIn } from './store-param';

function toProduct(
  row: ProductRow,
  price: ProductPrice | undefined,
  currency: string,
  available: number,
): z.infer<typeof productSchema> {
  if (!price) throw new Error(`no price for ${row.sku}`);
  return {
    ...productIdentity(row),
    price: { amount: price.price, currency },
    listPrice: { amount: price.listPrice, currency },
    basePrice: { amount: price.basePrice, currency },
    discounts: price.discounts,
    taxRate: trimScale(row.tax_rate),
    available,
  };
}

export const productRoutes: FastifyPluginAsyncZod = async (app) => {
  /** Prices and availability of products, for one shopper, in one consistent snapshot. */
  async function priced(
    request: FastifyRequest,
    rows: ProductRow[],
    query: { currency?: string; customerId?: string; channel?: 'online' | 'pos' },
  ) {
    const storeId = storeIn(request);
    const skus = rows.map((r) => r.sku);
    const [{ basis, prices }, available] = await Promise.all([
      app.pricing.priceProducts({
        storeId,
        skus,
        currency: query.currency,
        clientIp: request.ip,
        customer: query.customerId ? { id: query.customerId } : undefined,
        channel: channelOf(request, query.channel),
        fieldPrefix: 'querystring.',
      }),
      app.stock.availability(storeId, skus),
    ]);
    return {
      basis,
      items: rows.map((row) =>
        toProduct(row, prices.get(row.sku), basis.currency, Math.max(0, available.get(row.sku)?.available ?? 0)),
      ),
    };
  }

  app.route({
    ...routeOf(api.list),
    config: { roles: STOREFRONT_UP },
    serializerCompiler: plainJsonSerializer,
    handler: async (request) => {
      const { category, q, limit, cursor } = request.query;
      const where: string[] = ['active'];
      const params: unknown[] = [];
      if (category) {
        params.push(category);
        where.push(`category_id = $${params.length}`);
      }
      if (q) {
        params.push(q);
        const exact = `$${params.length}`;
        params.push(`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        where.push(`(sku = ${exact} OR barcode = ${exact} OR name ILIKE $${params.length})`);
      }
      if (cursor) {
        params.push(cursor);
        where.push(`sku > $${params.length}`);
      }
      params.push(limit + 1);
      const { rows } = await app.db.query<ProductRow>(
        `SELECT ${PRODUCT_COLUMNS} FROM products WHERE ${where.join(' AND ')} ORDER BY sku LIMIT $${params.length}`,
        params,
      );
      const page = rows.slice(0, limit);
      const { basis, items } = await priced(request, page, request.query);
      return { items, nextCursor: rows.length > limit ? (page.at(-1)?.sku ?? null) : null, ...basis };
    },
  });

  app.route({
    ...routeOf(api.get),
    config: { roles: STOREFRONT_UP },
    handler: async (request) => {
      const { sku } = request.params;
      const { rows } = await app.db.query<ProductRow>(
        `SELECT ${PRODUCT_COLUMNS} FROM products WHERE (sku = $1 OR barcode = $1) AND active ORDER BY sku = $1 DESC LIMIT 1`,
        [sku],
      );
      const row = rows[0];
      if (!row) throw notFound(`Product ${sku}`, { sku });
      const { basis, items } = await priced(request, [row], request.query);
      return { ...(items[0] as z.infer<typeof productSchema>), ...basis };
    },
  });

  app.route({
    ...routeOf(api.setBasePrice),
    config: { roles: MANAGER_UP },
    handler: async (request, reply) => {
      const storeId = storeIn(request);
      return idempotentWrite(app.db, request, reply, storeId, async (client) => {
        const result = await setBasePrice(client, request.params.sku, request.body.price, request.body.currency);
        return {
          status: 200,
          body: {
            sku: result.sku,
            price: result.price,
            changed: result.changed,
            pricingVersion: result.versions.get(storeId) ?? 0,
          },
        };
      });
    },
  });
};
