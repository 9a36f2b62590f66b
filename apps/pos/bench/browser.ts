import type { Page } from 'playwright-core';

export { launchChromium } from '@till/store-server/testing/chromium';

/**
 * Scans `codes` one after another the way a wedge scanner does (the code typed into the
 * scan field, then Enter) and measures, inside the page, from the Enter key to the frame
 * after the total on screen changed. Milliseconds per scan.
 */
export async function scanOnScreen(page: Page, codes: readonly string[]): Promise<number[]> {
  // tsx compiles this file keeping function names through a `__name` helper the page lacks.
  await page.evaluate('globalThis.__name = (fn) => fn');
  return page.evaluate(async (list) => {
    const input = document.querySelector<HTMLInputElement>('[data-testid=scan-input]');
    if (!input) throw new Error('no scan field on screen');
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
    const totalText = () => document.querySelector('[data-testid=total]')?.textContent ?? '';
    const lineState = () =>
      [...document.querySelectorAll('[data-testid=line-qty]')].map((e) => e.textContent).join(',') + totalText();
    const times: number[] = [];
    for (const code of list) {
      const before = lineState();
      setValue?.call(input, code);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const started = performance.now();
      const changed = new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`no change on screen after scanning ${code}`)), 10_000);
        const observer = new MutationObserver(() => {
          if (lineState() !== before) {
            observer.disconnect();
            clearTimeout(timeout);
            requestAnimationFrame(() => resolve());
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      await changed;
      times.push(performance.now() - started);
    }
    return times;
  }, codes);
}
