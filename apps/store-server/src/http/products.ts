import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STOREFRONT_UP } from '../auth/plugin';
import { notFound } from '../errors';
import { errorSchema, moneySchema, skuSchema } from './schemas';

export const productSchema = z.object({
  sku: z.string(),
  barcode: z.string().describe('EAN-13'),
  name: z.string(),
  category: z.string(),
  parentSku: z.string().nullable().describe('The product family a variant belongs to'),
  attributes: z.record(z.string(), z.string()),
  price: moneySchema.describe('Base price, before any rule'),
  taxRate: z.string().describe('Fraction, e.g. "0.08875"'),
});

export interface ProductRow {
  sku: string;
  barcode: string;
  name: string;
  category_id: string;
  parent_sku: string | null;
  attributes: Record<string, string>;
  base_price: string;
  currency: string;
  tax_rate: string;
}

export const PRODUCT_COLUMNS = `sku, barcode, name, category_id, parent_sku, attributes, base_price::text, currency, tax_rate::text`;

export function toProduct(row: ProductRow): z.infer<typeof productSchema> {
  return {
    sku: row.sku,
    barcode: row.barcode,
    name: row.name,
    category: row.category_id,
    parentSku: row.parent_sku,
    attributes: row.attributes,
    price: { amount: trimScale(row.base_price), currency: row.currency },
    taxRate: trimScale(row.tax_rate),
  };
}

/** "19.9900" → "19.99", "20.0000" → "20.00": at least two decimals, no trailing noise. */
function trimScale(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${whole}.${trimmed.padEnd(2, '0')}`;
}

export const productRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/products',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['catalog'],
        summary: 'List the catalog, page by page',
        querystring: z.object({
          category: z.string().max(64).optional(),
          q: z.string().trim().min(1).max(100).optional().describe('Part of a name, or an exact SKU or barcode'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: skuSchema.optional().describe('nextCursor of the previous page'),
        }),
        response: {
          200: z.object({ items: z.array(productSchema), nextCursor: z.string().nullable() }),
          400: errorSchema,
        },
      },
    },
    async (request) => {
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
      return {
        items: page.map(toProduct),
        nextCursor: rows.length > limit ? (page.at(-1)?.sku ?? null) : null,
      };
    },
  );

  app.get(
    '/v1/products/:sku',
    {
      config: { roles: STOREFRONT_UP },
      schema: {
        tags: ['catalog'],
        summary: 'One product by SKU (or by its EAN-13 barcode)',
        params: z.object({ sku: skuSchema }),
        response: { 200: productSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { sku } = request.params;
      const { rows } = await app.db.query<ProductRow>(
        `SELECT ${PRODUCT_COLUMNS} FROM products WHERE sku = $1 OR barcode = $1 ORDER BY sku = $1 DESC LIMIT 1`,
        [sku],
      );
      const row = rows[0];
      if (!row) throw notFound(`Product ${sku}`, { sku });
      return toProduct(row);
    },
  );
};
