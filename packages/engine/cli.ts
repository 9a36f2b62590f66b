/**
 * `pnpm price <file.json> [--explain]` prints the priced cart of a pricing scenario;
 * `pnpm price --check <dir>` checks every scenario in a folder against its `expect`.
 *
 * This file is the engine's only door to the file system, kept outside `src/` so that the
 * engine itself stays free of I/O. Exit codes: 0 all good, 1 a mismatch, 2 bad input (a
 * malformed scenario, a missing file, wrong arguments) — with a message, never a stack trace.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkScenario, describeMismatch, parseScenario, priceScenario, scenarioOutput, ValidationError } from './src';

const USAGE = 'usage: pnpm price <scenario.json> [--explain]\n       pnpm price --check <folder>';

class InputError extends Error {}

/** pnpm runs root scripts from the repository root; paths are meant from where the command was typed. */
function resolvePath(given: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), given);
}

async function readScenario(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  try {
    return parseScenario(json);
  } catch (error) {
    if (error instanceof ValidationError) {
      const fields = error.issues.map((issue) => `  ${issue.path || '(scenario)'}: ${issue.message}`).join('\n');
      throw new InputError(`${file} is not a valid scenario:\n${fields}`);
    }
    throw error;
  }
}

async function priceOne(file: string, explain: boolean): Promise<number> {
  const scenario = await readScenario(file);
  const cart = priceScenario(scenario);
  process.stdout.write(`${JSON.stringify(scenarioOutput(scenario.name, cart, explain), null, 2)}\n`);
  return 0;
}

async function checkFolder(folder: string): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new InputError(`cannot read folder ${folder}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let passed = 0;
  let failed = 0;
  let malformed = 0;
  for (const name of names) {
    const file = path.join(folder, name);
    try {
      const check = checkScenario(await readScenario(file));
      if (check.passed) {
        passed += 1;
        process.stdout.write(`ok    ${check.name} (${name})\n`);
      } else {
        failed += 1;
        process.stdout.write(`FAIL  ${check.name} (${name})\n`);
        for (const mismatch of check.mismatches)
          process.stdout.write(`      ${describeMismatch(check.name, mismatch)}\n`);
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failed += 1;
      malformed += 1;
      process.stdout.write(`ERROR ${error.message}\n`);
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  if (malformed > 0) return 2;
  return failed > 0 ? 1 : 0;
}

async function main(args: readonly string[]): Promise<number> {
  const explain = args.includes('--explain');
  const rest = args.filter((arg) => arg !== '--explain');
  if (rest[0] === '--check' && rest.length === 2) return checkFolder(resolvePath(rest[1] as string));
  if (rest.length === 1 && !(rest[0] as string).startsWith('--'))
    return priceOne(resolvePath(rest[0] as string), explain);
  throw new InputError(USAGE);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof InputError || error instanceof ValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`price: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 3;
  },
);
