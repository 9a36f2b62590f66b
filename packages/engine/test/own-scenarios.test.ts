import { describe, expect, it } from 'vitest';
import { checkScenario, parseScenario, RULE_KINDS, type Scenario } from '../src';
import { ownScenarioDir, readScenarioFolder } from './support/scenarios';

describe('engine scenarios (packages/engine/test/scenarios)', () => {
  const files = readScenarioFolder(ownScenarioDir);
  const scenarios = files.map(({ file, json }) => ({ file, scenario: parseScenario(json) }));

  it.each(scenarios)('$file', ({ scenario }) => {
    const check = checkScenario(scenario);
    expect(check.mismatches).toEqual([]);
  });

  it('cover every rule kind, both stacking models and every concurrency', () => {
    const rules = scenarios.flatMap(
      ({ scenario }) => (scenario.rules ?? []) as { kind: string; concurrency?: string }[],
    );
    expect(new Set(rules.map((rule) => rule.kind))).toEqual(new Set(RULE_KINDS));
    expect(new Set(rules.map((rule) => rule.concurrency ?? 'bestPrice'))).toEqual(
      new Set(['exclusive', 'bestPrice', 'compound']),
    );
    const stacking = (scenario: Scenario) => scenario.stacking ?? 'withinPriority';
    expect(new Set(scenarios.map(({ scenario }) => stacking(scenario)))).toEqual(
      new Set(['withinPriority', 'acrossPriorities']),
    );
  });
});
