import type { z } from 'zod';
import { type Result, TerminalError, type TerminalErrorData } from './errors';

/** name → the schema its request must pass, and the type of its answer. */
export type OperationSpec = Record<string, { request: z.ZodType; response: unknown }>;

export type RequestOf<S extends OperationSpec, K extends keyof S> = z.input<S[K]['request']>;
export type ParsedRequestOf<S extends OperationSpec, K extends keyof S> = z.output<S[K]['request']>;
export type ResponseOf<S extends OperationSpec, K extends keyof S> = S[K]['response'];

export type Handler<S extends OperationSpec, K extends keyof S> = (
  request: ParsedRequestOf<S, K>,
) => ResponseOf<S, K> | Promise<ResponseOf<S, K>>;

/**
 * One registry of uniquely named handlers with one typed call (Actual Budget's createApp +
 * app.method): the Electron IPC handlers and the browser terminal's HTTP bridge both go
 * through `call`, so every operation validates its request and reports failures the same way.
 */
export interface App<S extends OperationSpec> {
  method<K extends keyof S & string>(name: K, handler: Handler<S, K>): void;
  call<K extends keyof S & string>(name: K, request: unknown): Promise<Result<ResponseOf<S, K>>>;
  /** Dispatch by a name that arrived over the wire (unknown names give UNKNOWN_OPERATION). */
  callByName(name: string, request: unknown): Promise<Result<unknown>>;
  /** Throws unless every operation of the spec has a handler. */
  assertComplete(): void;
  names(): string[];
}

export function createApp<S extends OperationSpec>(
  spec: S,
  options: {
    onUnexpectedError?: (name: string, error: unknown) => void;
    /** Words for failures that are not TerminalErrors but are known (the database refusing a write). */
    describeError?: (error: unknown) => TerminalErrorData | undefined;
  } = {},
): App<S> {
  const handlers = new Map<string, (request: unknown) => unknown>();

  const failure = (error: TerminalErrorData): Result<never> => ({ ok: false, error });

  const callByName = async (name: string, request: unknown): Promise<Result<unknown>> => {
    const handler = handlers.get(name);
    const schema = Object.hasOwn(spec, name) ? spec[name]?.request : undefined;
    if (!handler || !schema) {
      return failure({ code: 'UNKNOWN_OPERATION', message: `There is no operation called "${name}".` });
    }
    const parsed = schema.safeParse(request ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'request';
      return failure({
        code: 'VALIDATION_FAILED',
        message: `${field}: ${issue?.message ?? 'is not valid'}`,
        details: { field, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      });
    }
    try {
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      if (error instanceof TerminalError) return failure(error.toData());
      options.onUnexpectedError?.(name, error);
      const described = options.describeError?.(error);
      if (described) return failure(described);
      return failure({
        code: 'INTERNAL',
        message: `Something went wrong in "${name}": ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  };

  return {
    method(name, handler) {
      if (handlers.has(name)) throw new Error(`operation "${name}" is registered twice`);
      if (!Object.hasOwn(spec, name)) throw new Error(`operation "${name}" is not in the operation list`);
      handlers.set(name, handler as (request: unknown) => unknown);
    },
    call: (name, request) => callByName(name, request) as never,
    callByName,
    assertComplete() {
      const missing = Object.keys(spec).filter((name) => !handlers.has(name));
      if (missing.length > 0) throw new Error(`operations without a handler: ${missing.join(', ')}`);
    },
    names: () => [...handlers.keys()],
  };
}
