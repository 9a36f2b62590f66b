import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CATEGORIES, generateDemoCatalog } from '../src/seed/demo-catalog';
import { ean13CheckDigit, inStoreEan13, isValidEan13 } from '../src/seed/ean13';
import { seedDemoStore } from '../src/seed/seed-demo-store';
import { createTestDatabase, type TestDatabase } from './support';

describe('EAN-13', () => {
  it('computes the check digit of known barcodes', () => {
    expect(ean13CheckDigit('400638133393')).toBe(1); // 4006381333931
    expect(ean13CheckDigit('978020137962')).toBe(4); // 9780201379624
    expect(isValidEan13('4006381333931')).toBe(true);
    expect(isValidEan13('4006381333932')).toBe(false);
  });

  it('catches every single-digit error', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e10 - 1 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        (n, pos, delta) => {
          const code = inStoreEan13(n);
          expect(isValidEan13(code)).toBe(true);
          const digit = (Number(code[pos]) + delta) % 10;
          const broken = code.slice(0, pos) + digit + code.slice(pos + 1);
          expect(isValidEan13(broken)).toBe(false);
        },
      ),
    );
  });
});

describe('demo catalog', () => {
  const catalog = generateDemoCatalog();

  it('is the same catalog every time', () => {
    expect(generateDemoCatalog()).toEqual(catalog);
  });

  it('has 2,000+ products across five departments, with unique SKUs and valid barcodes', () => {
    expect(catalog.products.length).toBeGreaterThanOrEqual(2_000);
    expect(new Set(catalog.products.map((p) => p.categoryId))).toEqual(new Set(DEMO_CATEGORIES.map((c) => c.id)));
    expect(new Set(catalog.products.map((p) => p.sku)).size).toBe(catalog.products.length);
    expect(new Set(catalog.products.map((p) => p.barcode)).size).toBe(catalog.products.length);
    expect(catalog.products.every((p) => isValidEan13(p.barcode))).toBe(true);
    for (const c of DEMO_CATEGORIES) {
      expect(catalog.products.filter((p) => p.categoryId === c.id).length).toBeGreaterThan(200);
    }
  });

  it('has variants by size and colour under one family, and plausible prices', () => {
    const shirts = catalog.products.filter((p) => p.parentSku === 'FAS-00001');
    expect(shirts.length).toBeGreaterThan(10);
    expect(new Set(shirts.map((p) => p.attributes.size)).size).toBeGreaterThan(1);
    expect(new Set(shirts.map((p) => p.attributes.colour)).size).toBeGreaterThan(1);
    for (const p of catalog.products) {
      expect(p.basePrice).toMatch(/^[0-9]+\.[0-9]{2}$/);
      expect(Number(p.basePrice)).toBeGreaterThan(5);
      expect(Number(p.basePrice)).toBeLessThan(1_000);
    }
  });

  it('has a few SKUs near zero stock and most well stocked', () => {
    const nearZero = catalog.products.filter((p) => p.stock <= 3).length;
    expect(nearZero).toBeGreaterThan(10);
    expect(nearZero / catalog.products.length).toBeLessThan(0.1);
  });
});

describe('seeding the demo store', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('seeds once; a second run changes nothing, not even stock sold since', async () => {
    const first = await seedDemoStore(db.pool);
    expect(first).toEqual({ created: true, products: generateDemoCatalog().products.length });
    await db.pool.query(`UPDATE stock_levels SET sold = 1 WHERE sku = 'FAS-00001-01'`);
    const snapshot = await db.pool.query('SELECT count(*) FROM products');

    const second = await seedDemoStore(db.pool);
    expect(second.created).toBe(false);
    expect((await db.pool.query('SELECT count(*) FROM products')).rows).toEqual(snapshot.rows);
    const sold = await db.pool.query(`SELECT sold FROM stock_levels WHERE sku = 'FAS-00001-01'`);
    expect(sold.rows[0].sold).toBe('1');
    const events = await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE type = 'store.seeded'`);
    expect(events.rows[0].n).toBe(1);
  });

  it('stores prices as exact numerics and barcodes as the check-digit-valid codes', async () => {
    const { rows } = await db.pool.query(
      `SELECT sku, barcode, base_price::text AS price FROM products ORDER BY sku LIMIT 50`,
    );
    const bySku = new Map(generateDemoCatalog().products.map((p) => [p.sku, p]));
    for (const row of rows) {
      expect(isValidEan13(row.barcode)).toBe(true);
      expect(Number(row.price).toFixed(2)).toBe(bySku.get(row.sku)?.basePrice);
    }
  });
});
