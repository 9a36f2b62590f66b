import { ZodError, type z } from 'zod';
import { type Rule, ruleSchema } from './rule-schema';

export interface ValidationIssue {
  /** Where, as a readable path: "rules[2].tiers[1].minQty". Empty for the value itself. */
  path: string;
  /** The same path as segments, for callers that format paths their own way. */
  segments: (string | number)[];
  /** What is wrong, in words: "must be at most 100 (got 120)". */
  message: string;
}

/**
 * Input the engine refuses: a rule, a cart, a scenario. `issues` names every field at fault,
 * so an API can answer 400 naming them and a CLI can print them.
 */
export class ValidationError extends Error {
  readonly issues: ValidationIssue[];

  constructor(what: string, issues: ValidationIssue[]) {
    super(
      `${what}: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ')}`,
    );
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export function formatPath(segments: readonly (string | number | symbol)[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path ? `.${String(segment)}` : String(segment);
  }
  return path;
}

function issue(segments: (string | number)[], message: string): ValidationIssue {
  return { path: formatPath(segments), segments, message };
}

/** Zod's issues in the engine's words, with paths under `prefix`. */
export function issuesFromZod(error: ZodError, prefix: (string | number)[] = []): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const raw of error.issues) {
    const segments = [...prefix, ...raw.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    switch (raw.code) {
      case 'unrecognized_keys':
        for (const key of raw.keys) issues.push(issue([...segments, key], 'is not a known field'));
        break;
      case 'invalid_type':
        issues.push(issue(segments, raw.message.includes('received undefined') ? 'is required' : typeMessage(raw)));
        break;
      case 'invalid_value':
        issues.push(issue(segments, `must be one of ${raw.values.map((value) => JSON.stringify(value)).join(', ')}`));
        break;
      case 'invalid_union':
        issues.push(issue(segments, raw.message.startsWith('Invalid input') ? unionMessage(raw) : raw.message));
        break;
      default:
        issues.push(issue(segments, raw.message));
    }
  }
  return issues;
}

function typeMessage(raw: z.core.$ZodIssueInvalidType): string {
  const received = /received (\w+)/.exec(raw.message)?.[1];
  return `must be ${article(raw.expected)}${received ? `, got ${received}` : ''}`;
}

function unionMessage(raw: z.core.$ZodIssueInvalidUnion): string {
  const nested = raw.errors.flat()[0];
  return nested ? nested.message : 'has the wrong shape';
}

function article(expected: string): string {
  if (expected === 'int') return 'a whole number';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Parses a value with a schema, or throws ValidationError naming every field at fault. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
  prefix: (string | number)[] = [],
): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(what, issuesFromZod(result.error, prefix));
  return result.data;
}

/** Validates one rule; returns it normalised (instants as ISO UTC). Throws ValidationError. */
export function validateRule(json: unknown): Rule {
  return parseWith(ruleSchema, json, 'invalid rule');
}

/** Validates a list of rules (paths "rules[i]…"); also refuses two rules with one id. */
export function parseRules(json: unknown): Rule[] {
  if (!Array.isArray(json)) throw new ValidationError('invalid rules', [issue(['rules'], 'must be a list of rules')]);
  const issues: ValidationIssue[] = [];
  const rules: Rule[] = [];
  const seen = new Map<string, number>();
  json.forEach((raw, index) => {
    const result = ruleSchema.safeParse(raw);
    if (!result.success) {
      issues.push(...issuesFromZod(result.error, ['rules', index]));
      return;
    }
    const first = seen.get(result.data.id);
    if (first !== undefined) {
      issues.push(issue(['rules', index, 'id'], `"${result.data.id}" is already the id of rules[${first}]`));
    }
    seen.set(result.data.id, index);
    rules.push(result.data);
  });
  if (issues.length > 0) throw new ValidationError('invalid rules', issues);
  return rules;
}

export { ZodError };
