import type { Db } from './platform/db';
import type { ReceiptData } from './views';

/** Completed sales and returns of this terminal, kept for receipts and returns against them. */
export class SalesStore {
  constructor(private readonly db: Db) {}

  /** Call inside the durable transaction that also writes the outbox. */
  record(receipt: ReceiptData, cartId: string | null, originalSaleId: string | null): void {
    this.db.run(
      `INSERT INTO sales (id, kind, receipt_number, cart_id, original_sale, completed_at, currency, total, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        receipt.saleId,
        receipt.kind,
        receipt.receiptNumber,
        cartId,
        originalSaleId,
        receipt.at,
        receipt.currency,
        receipt.total,
        JSON.stringify(receipt),
      ],
    );
  }

  byId(id: string): ReceiptData | undefined {
    const row = this.db.get<{ body: string }>('SELECT body FROM sales WHERE id = ?', [id]);
    return row ? (JSON.parse(row.body) as ReceiptData) : undefined;
  }

  byReceiptNumber(receiptNumber: string): ReceiptData | undefined {
    const row = this.db.get<{ body: string }>('SELECT body FROM sales WHERE receipt_number = ? COLLATE NOCASE', [
      receiptNumber.trim(),
    ]);
    return row ? (JSON.parse(row.body) as ReceiptData) : undefined;
  }

  /** Return receipts made against a sale. */
  returnsOf(saleId: string): ReceiptData[] {
    return this.db
      .all<{ body: string }>(
        `SELECT body FROM sales WHERE kind = 'return' AND original_sale = ? ORDER BY completed_at`,
        [saleId],
      )
      .map((row) => JSON.parse(row.body) as ReceiptData);
  }

  /** Units already returned per line index of a sale. */
  returnedUnits(saleId: string): Map<number, number> {
    const returned = new Map<number, number>();
    for (const receipt of this.returnsOf(saleId)) {
      for (const line of receipt.returnOf?.lines ?? []) {
        returned.set(line.index, (returned.get(line.index) ?? 0) + line.qty);
      }
    }
    return returned;
  }

  recent(limit = 20): ReceiptData[] {
    return this.db
      .all<{ body: string }>('SELECT body FROM sales ORDER BY completed_at DESC LIMIT ?', [limit])
      .map((row) => JSON.parse(row.body) as ReceiptData);
  }
}
