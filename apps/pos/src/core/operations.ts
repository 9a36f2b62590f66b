import { z } from 'zod';
import type {
  CheckoutView,
  CurrencyOptionsView,
  ParkedCartView,
  PriceCheckView,
  ProductView,
  ReceiptView,
  ReturnableSaleView,
  SessionView,
  TenderResultView,
  TerminalStatusView,
} from './views';

/**
 * Every operation the cashier UI can ask of the terminal core: its name, the schema its
 * request must pass (requests come over IPC or HTTP and are checked here, once), and the
 * type of its answer. The IPC channel list (shell/ipc.ts) is checked against these names.
 */

const code = z.string().trim().min(1, 'is empty').max(64, 'is longer than 64 characters');
const qty = z.number().int('must be a whole number').min(1, 'must be at least 1').max(9999, 'must be at most 9999');
const id = z.string().min(1).max(64);
const reason = z.string().trim().min(3, 'needs a few words').max(200);
const none = z.object({}).strict();

/** `op<Answer>()(requestSchema)`: the answer's type, and the request schema with its own types. */
const op =
  <Response>() =>
  <Request extends z.ZodType>(request: Request) => ({ request, response: undefined as unknown as Response });

export const OPERATIONS = {
  'session.get': op<SessionView>()(none),
  'session.signIn': op<SessionView>()(z.object({ cashier: z.string().trim().min(1, 'is empty').max(60) })),
  'session.signOut': op<SessionView>()(none),
  'session.status': op<TerminalStatusView>()(none),

  'checkout.current': op<CheckoutView>()(none),
  'checkout.scan': op<CheckoutView>()(
    z.object({ code, qty: qty.default(1), source: z.enum(['scanner', 'keyboard']).default('keyboard') }),
  ),
  'checkout.addSku': op<CheckoutView>()(z.object({ sku: code, qty: qty.default(1) })),
  'checkout.setQuantity': op<CheckoutView>()(
    z.object({ lineId: id, qty: z.number().int('must be a whole number').min(0).max(9999) }),
  ),
  'checkout.voidLine': op<CheckoutView>()(z.object({ lineId: id })),
  'checkout.attachCustomer': op<CheckoutView>()(z.object({ query: code })),
  'checkout.detachCustomer': op<CheckoutView>()(none),
  'checkout.addCoupon': op<CheckoutView>()(z.object({ code })),
  'checkout.removeCoupon': op<CheckoutView>()(z.object({ code })),
  'checkout.setCurrency': op<CheckoutView>()(
    z.object({
      currency: z
        .string()
        .trim()
        .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code'),
    }),
  ),
  'checkout.currencies': op<CurrencyOptionsView>()(none),
  'checkout.cancel': op<CheckoutView>()(none),
  'checkout.park': op<ParkedCartView[]>()(z.object({ label: z.string().trim().max(60).nullable().default(null) })),
  'checkout.parked': op<ParkedCartView[]>()(none),
  'checkout.resume': op<CheckoutView>()(z.object({ cartId: id })),
  'checkout.tender': op<TenderResultView>()(
    z.object({
      method: z.enum(['cash', 'card']),
      amount: z.string().trim().max(20).optional(),
      reference: z.string().trim().max(40).optional(),
      expectedTotal: z
        .string()
        .regex(/^\d+(\.\d+)?$/, 'must be an amount')
        .optional(),
    }),
  ),
  'checkout.removeTender': op<CheckoutView>()(z.object({ tenderId: id })),

  'catalog.search': op<ProductView[]>()(
    z.object({
      query: z.string().trim().min(1, 'is empty').max(100),
      limit: z.number().int().min(1).max(100).default(20),
    }),
  ),
  'catalog.priceCheck': op<PriceCheckView>()(z.object({ code })),

  'sales.receipt': op<ReceiptView>()(z.object({ saleId: id })),
  'sales.recent': op<ReceiptView[]>()(none),
  'returns.find': op<ReturnableSaleView>()(z.object({ receiptNumber: code })),
  'returns.complete': op<ReceiptView>()(
    z.object({
      receiptNumber: code,
      lines: z
        .array(z.object({ index: z.number().int().min(0), qty: z.number().int().min(0).max(9999) }))
        .min(1, 'choose at least one item')
        .max(500),
      method: z.enum(['cash', 'card']),
      reason,
      restock: z.boolean().default(true),
    }),
  ),
  'drawer.open': op<{ openedAt: number; id: string }>()(z.object({ reason })),
};

export type Operations = typeof OPERATIONS;
export type OperationName = keyof Operations;
/** What a caller sends (defaults may be left out). */
export type RequestOf<K extends OperationName> = z.input<Operations[K]['request']>;
export type ResponseOf<K extends OperationName> = Operations[K]['response'];
