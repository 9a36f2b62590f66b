import { AppError } from '../errors';

/** A field of a request and what is wrong with it: the `fields` of a 400 VALIDATION_FAILED. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** The same answer zod's schema errors get: 400 VALIDATION_FAILED naming every field. */
export function validationFailed(fields: FieldProblem[]): AppError {
  const summary = fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
  return new AppError(400, 'VALIDATION_FAILED', `The request is not valid: ${summary}`, { fields });
}
