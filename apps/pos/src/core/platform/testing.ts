import type { Db } from './db';

/**
 * A Db that fails where a test says (the disk filling up, a write refused), to prove that
 * nothing is reported done that is not stored and nothing half-stored is left behind.
 */
export function faultInjectingDb(inner: Db, fail: (sql: string) => Error | undefined): Db {
  const check = (sql: string) => {
    const error = fail(sql);
    if (error) throw error;
  };
  return {
    path: inner.path,
    exec: (sql) => {
      check(sql);
      inner.exec(sql);
    },
    run: (sql, params) => {
      check(sql);
      return inner.run(sql, params);
    },
    get: (sql, params) => inner.get(sql, params),
    all: (sql, params) => inner.all(sql, params),
    transaction: (fn, options) => inner.transaction(fn, options),
    pragma: (statement) => inner.pragma(statement),
    close: () => inner.close(),
  };
}
