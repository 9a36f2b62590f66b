import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownScenarioDir, repoRoot, sharedScenarioDir } from './support/scenarios';

/** Runs the CLI as `pnpm price` does (tsx, from the repository root), from a chosen folder. */
function price(args: string[], cwd = repoRoot) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'packages/engine/cli.ts'), ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, INIT_CWD: cwd },
      encoding: 'utf8',
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function scenarioFile(content: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'till-price-'));
  const file = path.join(dir, 'scenario.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const simple = {
  name: 'two keyboards at 40% off',
  at: '2026-11-22T10:00:00.000Z',
  products: [{ sku: 'KB', price: '20.00' }],
  rules: [{ id: 'forty', kind: 'discount', percentOff: '40' }],
  lines: [{ sku: 'KB', qty: 2 }],
  expect: { total: '24.00' },
};

describe('pnpm price', () => {
  it('prints the priced cart as JSON, with paths relative to where it was typed', () => {
    const file = scenarioFile(simple);
    const { code, stdout } = price([path.basename(file)], path.dirname(file));
    expect(code).toBe(0);
    const output = JSON.parse(stdout);
    expect(output).toMatchObject({
      total: '24.00',
      subtotal: '40.00',
      discount: '16.00',
      tax: '0.00',
      shipping: '0.00',
    });
    expect(output.lines).toEqual([expect.objectContaining({ sku: 'KB', total: '24.00' })]);
    expect(output.explanations).toBeUndefined();
  }, 30_000);

  it('adds the reasons in words with --explain', () => {
    const { code, stdout } = price([scenarioFile(simple), '--explain']);
    expect(code).toBe(0);
    const output = JSON.parse(stdout);
    expect(output.lines[0].reasons).toEqual(['40% off: −$16.00']);
    expect(output.explanations.applied).toEqual(['40% off: −$16.00']);
  }, 30_000);

  it('refuses a malformed scenario naming the field, with exit code 2 and no stack trace', () => {
    const { code, stdout, stderr } = price([
      scenarioFile({ ...simple, rules: [{ id: 'x', kind: 'discount', percentOff: '140' }] }),
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('rules[0].percentOff: must be at most 100 (got 140)');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(price([scenarioFile('{ not json')]).stderr).toMatch(/is not JSON/);
    expect(price(['/nonexistent/scenario.json']).stderr).toMatch(/cannot read .*ENOENT/);
    expect(price([]).code).toBe(2);
  }, 60_000);
});

describe('pnpm price --check', () => {
  it('passes every shared and engine scenario', () => {
    // The shared folder sits beside the repository; shared-scenarios.test.ts says loudly when it is absent.
    for (const dir of [sharedScenarioDir, ownScenarioDir].filter((folder) => existsSync(folder))) {
      const { code, stdout } = price(['--check', dir]);
      expect(stdout).toMatch(/^\d+ passed, 0 failed$/m);
      expect(code).toBe(0);
    }
  }, 60_000);

  it('prints each mismatch (scenario, field, expected, actual), ends with the counts and exits 1', () => {
    const dir = path.dirname(
      scenarioFile({
        ...simple,
        expect: { total: '20.00', discount: '16.00', lines: [{ sku: 'KB', total: '19.00' }] },
      }),
    );
    writeFileSync(path.join(dir, 'good.json'), JSON.stringify(simple));
    const { code, stdout } = price(['--check', dir]);
    expect(code).toBe(1);
    expect(stdout).toContain('two keyboards at 40% off: total: expected 20.00, got 24.00');
    expect(stdout).toContain('two keyboards at 40% off: lines[0].total: expected 19.00, got 24.00');
    expect(stdout).not.toContain('discount: expected');
    expect(stdout.trim().split('\n').at(-1)).toBe('1 passed, 1 failed');
  }, 30_000);

  it('exits 2 when a scenario in the folder is malformed', () => {
    const dir = path.dirname(scenarioFile({ ...simple, lines: [{ sku: 'NOPE', qty: 1 }] }));
    const { code, stdout } = price(['--check', dir]);
    expect(code).toBe(2);
    expect(stdout).toContain('lines[0].sku: "NOPE" is not in products');
    expect(stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
  }, 30_000);
});
