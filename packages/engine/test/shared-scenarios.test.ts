import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkScenario, parseScenario } from '../src';
import { readScenarioFolder, sharedScenarioDir } from './support/scenarios';

const present = existsSync(sharedScenarioDir);
if (!present) {
  console.warn(
    `\n!!! SKIPPING the shared pricing scenarios: ${sharedScenarioDir} is missing.\n` +
      '!!! Clone the repository with ../shared beside it to run them.\n',
  );
}

describe.skipIf(!present)('shared pricing scenarios (../shared/pricing-scenarios)', () => {
  const files = readScenarioFolder(sharedScenarioDir);

  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
  });

  it.each(files)('$file', ({ json }) => {
    const check = checkScenario(parseScenario(json));
    expect(check.mismatches).toEqual([]);
    expect(check.passed).toBe(true);
  });
});
