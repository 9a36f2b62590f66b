import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is packages/engine/test/support). */
export const repoRoot = path.resolve(here, '../../../..');
/** The shared scenarios live beside the repository: ../shared/pricing-scenarios. */
export const sharedScenarioDir = path.resolve(repoRoot, '../shared/pricing-scenarios');
export const ownScenarioDir = path.resolve(here, '../scenarios');
/**
 * A copy of the shared examples kept in the repository, so a clone without ../shared
 * beside it (a CI runner) still proves them. Refresh it with
 * `cp ../shared/pricing-scenarios/* packages/engine/test/shared-scenarios/`.
 */
export const vendoredSharedScenarioDir = path.resolve(here, '../shared-scenarios');

export interface ScenarioFile {
  file: string;
  json: unknown;
}

export function readScenarioFolder(dir: string): ScenarioFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: name, json: JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as unknown }));
}
