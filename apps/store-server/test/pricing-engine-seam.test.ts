import { describe, expect, it } from 'vitest';
import { checkRule, type EngineRule, ValidatedRules } from '../src/pricing/engine';

describe('the seam to the pricing engine', () => {
  it('gives the engine validator’s problems with dotted field paths', () => {
    const checked = checkRule({ id: 't', kind: 'tiered', tiers: [{ minQty: 0, percentOff: '5' }] });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues.map((i) => i.path)).toContain('tiers.0.minQty');
    const fine = checkRule({ id: 'p', kind: 'price', price: '1', validFrom: '2030-01-01T10:00:00+02:00' });
    expect(fine).toEqual({ ok: true, rule: expect.objectContaining({ validFrom: '2030-01-01T08:00:00.000Z' }) });
  });

  it('leaves a stored rule the engine refuses out of the index, reports it, and keeps the others', () => {
    const validated = new ValidatedRules();
    const good: EngineRule = { id: 'good', kind: 'discount', percentOff: '10' } as EngineRule;
    const bad: EngineRule = { id: 'bad', kind: 'discount', percentOff: '150' } as EngineRule;
    const skipped: string[] = [];
    const index = validated.prepare([good, bad], (ruleId) => skipped.push(ruleId));
    expect(skipped).toEqual(['bad']);
    expect(index.rules.map((r) => r.id)).toEqual(['good']);
    // The next snapshot reuses what was validated, and still reports what is refused.
    const again = validated.prepare([good, bad, { ...good, id: 'good-2' }], (ruleId) => skipped.push(ruleId));
    expect(again.rules.map((r) => r.id)).toEqual(['good', 'good-2']);
    expect(skipped).toEqual(['bad', 'bad']);
  });
});
