import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScannerDetector } from '../src/ui/scanner';

function feed(detector: ScannerDetector, code: string, gaps: readonly number[], start = 1000) {
  let at = start;
  code.split('').forEach((ch, i) => {
    at += i === 0 ? 0 : (gaps[(i - 1) % gaps.length] ?? 0);
    detector.key(ch, at);
  });
  return detector.key('Enter', at + (gaps[0] ?? 0));
}

const code = fc.stringMatching(/^[0-9]{8,14}$/);

describe('telling a scanner from typing', () => {
  it('calls a burst with every gap within 35 ms a scan, whatever the code', () => {
    fc.assert(
      fc.property(code, fc.array(fc.integer({ min: 0, max: 35 }), { minLength: 1 }), (c, gaps) => {
        expect(feed(new ScannerDetector(), c, gaps)).toEqual({ code: c, source: 'scanner' });
      }),
    );
  });

  it('calls it typing when any one gap is longer, or the code is short', () => {
    fc.assert(
      fc.property(code, fc.nat(), fc.integer({ min: 36, max: 900 }), (c, where, slow) => {
        // Fast everywhere except one gap (between two keys, or before Enter).
        const gaps = Array.from({ length: c.length }, () => 5);
        gaps[where % gaps.length] = slow;
        const d = new ScannerDetector();
        let at = 1000;
        [...c].forEach((ch, i) => {
          if (i > 0) at += gaps[i - 1] ?? 0;
          d.key(ch, at);
        });
        expect(d.key('Enter', at + (gaps[c.length - 1] ?? 0))).toEqual({ code: c, source: 'keyboard' });
      }),
    );
    expect(feed(new ScannerDetector(), '12345', [5])).toEqual({ code: '12345', source: 'keyboard' });
  });

  it('counts an edit as a person, and forgets keys after a pause', () => {
    const d = new ScannerDetector();
    for (const [i, ch] of [...'40063813'].entries()) d.key(ch, 1000 + i * 5);
    d.key('Backspace', 1040);
    d.key('3', 1045);
    expect(d.key('Enter', 1050)?.source).toBe('keyboard');
    d.key('9', 2000);
    expect(feed(d, '4006381333931', [4], 5000)).toEqual({ code: '4006381333931', source: 'scanner' });
    expect(d.key('Enter', 6000)).toBeNull();
  });
});
