/**
 * Tells a keyboard-wedge scanner from a person typing by keystroke timing: a scanner
 * "types" a whole code in a burst (a few ms between keys) and ends it with Enter; people
 * are an order of magnitude slower. Pure, so it is tested under Node.
 */
export interface ScannerOptions {
  /** Longest gap between two keys of one scan (ms). */
  maxGapMs: number;
  /** Shortest code a scanner sends. */
  minLength: number;
}

export const DEFAULT_SCANNER_OPTIONS: ScannerOptions = { maxGapMs: 35, minLength: 6 };

export type Completed = { code: string; source: 'scanner' | 'keyboard' };

export class ScannerDetector {
  private chars: string[] = [];
  private times: number[] = [];

  constructor(private readonly options: ScannerOptions = DEFAULT_SCANNER_OPTIONS) {}

  /** Feeds one key. Returns the completed code on Enter (or null when nothing was typed). */
  key(key: string, at: number): Completed | null {
    if (key === 'Enter') {
      const result = this.chars.length === 0 ? null : { code: this.chars.join(''), source: this.source(at) };
      this.reset();
      return result;
    }
    if (key.length !== 1) {
      if (key === 'Backspace') {
        this.chars.pop();
        this.times.push(Number.NEGATIVE_INFINITY); // an edit is a person
      }
      return null;
    }
    const last = this.times.at(-1);
    if (last !== undefined && at - last > 1000) this.reset();
    this.chars.push(key);
    this.times.push(at);
    return null;
  }

  /** Whether what was fed so far (ending at `at`) came in a scanner's burst. */
  source(at: number): 'scanner' | 'keyboard' {
    if (this.chars.length < this.options.minLength) return 'keyboard';
    const times = [...this.times, at];
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
      if (!(gap >= 0 && gap <= this.options.maxGapMs)) return 'keyboard';
    }
    return 'scanner';
  }

  reset(): void {
    this.chars = [];
    this.times = [];
  }
}
