import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

/**
 * Every failure leaves the server in one shape:
 * `{ error: { code, message, ...details } }`, with a code a program can switch on and
 * a message a person can read.
 */
export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, details: Record<string, unknown> = {}) =>
  new AppError(404, 'NOT_FOUND', `${what} was not found`, details);

export const badRequest = (message: string, details: Record<string, unknown> = {}) =>
  new AppError(400, 'BAD_REQUEST', message, details);

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, ...details } };
}

function fieldPath(instancePath: string | undefined, where: string | undefined): string {
  const parts = (instancePath ?? '').split('/').filter(Boolean);
  return [where, ...parts].filter(Boolean).join('.');
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((issue) => ({
        field: fieldPath(issue.instancePath, error.validationContext),
        problem: issue.message,
      }));
      const summary = fields.map((f) => `${f.field || 'request'}: ${f.problem}`).join('; ');
      return reply.status(400).send(errorBody('VALIDATION_FAILED', `The request is not valid: ${summary}`, { fields }));
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
      return reply.status(500).send(errorBody('INTERNAL', 'The server produced an invalid response'));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send(errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
    }
    if (
      error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      error.statusCode === 400
    ) {
      return reply.status(400).send(errorBody('MALFORMED_REQUEST', `The request could not be read: ${error.message}`));
    }
    if (error.statusCode === 413) {
      return reply.status(413).send(errorBody('PAYLOAD_TOO_LARGE', 'The request body is too large'));
    }
    if (error.statusCode === 429) {
      return reply.status(429).send(errorBody('RATE_LIMITED', error.message));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody(error.code ?? 'BAD_REQUEST', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('INTERNAL', 'Something went wrong on the server; it has been logged'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
