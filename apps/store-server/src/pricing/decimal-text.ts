/** "19.9900" → "19.99", "20.0000" → "20.00", "0.088750" → "0.08875": at least two decimals, no trailing noise. */
export function trimScale(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${whole}.${trimmed.padEnd(2, '0')}`;
}
