/**
 * What can go wrong at the till, as codes the UI can act on and messages a cashier can read.
 * Handlers throw TerminalError; the registry turns it into a typed failure result, so
 * errors reach the screen as data, never as exceptions crossing IPC or HTTP.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNKNOWN_OPERATION'
  | 'NOT_SIGNED_IN'
  | 'NOT_READY'
  | 'UNKNOWN_BARCODE'
  | 'UNKNOWN_PRODUCT'
  | 'PRODUCT_INACTIVE'
  | 'LINE_NOT_FOUND'
  | 'CART_NOT_FOUND'
  | 'CART_EMPTY'
  | 'CART_HAS_TENDERS'
  | 'CUSTOMER_NOT_FOUND'
  | 'COUPON_INVALID'
  | 'CURRENCY_UNAVAILABLE'
  | 'TENDER_INVALID'
  | 'TOTAL_CHANGED'
  | 'SALE_NOT_FOUND'
  | 'RETURN_INVALID'
  | 'PRICING_UNAVAILABLE'
  | 'STORAGE_FAILED'
  | 'INTERNAL';

export interface TerminalErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class TerminalError extends Error {
  override name = 'TerminalError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toData(): TerminalErrorData {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: TerminalErrorData };
