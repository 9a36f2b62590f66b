import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkScenario, parseScenario } from '../src';
import { readScenarioFolder, sharedScenarioDir, vendoredSharedScenarioDir } from './support/scenarios';

function passes(json: unknown) {
  const check = checkScenario(parseScenario(json));
  expect(check.mismatches).toEqual([]);
  expect(check.passed).toBe(true);
}

describe('shared pricing scenarios (the copy in the repository)', () => {
  const files = readScenarioFolder(vendoredSharedScenarioDir);

  it('holds all the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
  });

  it.each(files)('$file', ({ json }) => passes(json));
});

const present = existsSync(sharedScenarioDir);
if (!present) {
  console.warn(
    `\n!!! ${sharedScenarioDir} is missing: the shared scenarios run from the copy in the repository only.\n`,
  );
}

// Without ../shared beside the clone there is nothing more to compare: the copy above ran.
if (present)
  describe('shared pricing scenarios (../shared/pricing-scenarios)', () => {
    const files = readScenarioFolder(sharedScenarioDir);

    it('finds the examples', () => {
      expect(files.length).toBeGreaterThanOrEqual(13);
    });

    it.each(files)('$file', ({ json }) => passes(json));

    it('are the same as the copy in the repository (refresh the copy when they change)', () => {
      for (const { file } of files) {
        const copy = path.join(vendoredSharedScenarioDir, file);
        expect(existsSync(copy), `${file} is missing from the copy`).toBe(true);
        expect(readFileSync(copy, 'utf8')).toBe(readFileSync(path.join(sharedScenarioDir, file), 'utf8'));
      }
    });
  });
