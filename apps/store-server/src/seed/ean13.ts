/** EAN-13 check digit of a 12-digit body: weights 1, 3, 1, 3… from the left; the digit that makes the sum a multiple of 10. */
export function ean13CheckDigit(body: string): number {
  if (!/^[0-9]{12}$/.test(body)) throw new Error(`An EAN-13 body is 12 digits, got "${body}"`);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

export function isValidEan13(code: string): boolean {
  return /^[0-9]{13}$/.test(code) && ean13CheckDigit(code.slice(0, 12)) === Number(code[12]);
}

/**
 * The n-th barcode of a store's own numbering. Prefix 20–29 is GS1's range for
 * numbers a retailer assigns in-store, so demo codes never collide with real products.
 */
export function inStoreEan13(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 1e10) throw new Error(`in-store barcode number out of range: ${n}`);
  const body = `20${String(n).padStart(10, '0')}`;
  return body + ean13CheckDigit(body);
}
