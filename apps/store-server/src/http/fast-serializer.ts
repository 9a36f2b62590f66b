/**
 * For the hot routes (pricing, holds): send the answer with plain JSON.stringify instead of checking
 * it against its zod schema first. The handler's return type is still checked against the
 * schema by TypeScript, the OpenAPI document still comes from the schema, and the typed
 * client's tests still check every answer against it; what is saved is a full zod parse of
 * a large answer (lines, explanations) on every request — half the time of a priced cart.
 */
export const plainJsonSerializer = () => (data: unknown) => JSON.stringify(data);
