import Database from 'better-sqlite3';

/** A value SQLite can bind or return. */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

/**
 * The terminal core's only way to its database (Actual Budget's platform/sqlite shape):
 * synchronous, because SQLite on a local disk answers in microseconds and the core runs
 * off the UI thread (Electron main process, or the browser terminal's Node server).
 */
export interface Db {
  exec(sql: string): void;
  run(sql: string, params?: SqlParams): { changes: number; lastInsertRowid: number | bigint };
  get<T>(sql: string, params?: SqlParams): T | undefined;
  all<T>(sql: string, params?: SqlParams): T[];
  /**
   * Runs `fn` in one transaction (nested calls become savepoints). `durable` commits with
   * `synchronous=FULL`, so the commit has reached the disk when this returns: sales and
   * other outbox records use it (invariant 7). Everything else commits with NORMAL, which
   * in WAL mode survives a crash of the process, not of the machine.
   */
  transaction<T>(fn: () => T, options?: { durable?: boolean }): T;
  pragma(statement: string): unknown;
  close(): void;
  readonly path: string;
}

/** Opens (or creates) a terminal database on disk, or in memory with `:memory:`. */
export function openSqliteDb(path: string): Db {
  const db = new Database(path);
  // Pages freed by a snapshot swap go back to the file system (set before the first table; no-op after).
  db.pragma('auto_vacuum = INCREMENTAL');
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  let outerDurable = false;
  const bind = (params: SqlParams | undefined): unknown[] => (params === undefined ? [] : [params]);
  return {
    path,
    exec: (sql) => {
      db.exec(sql);
    },
    run: (sql, params) => prepare(sql).run(...bind(params)),
    get: <T>(sql: string, params?: SqlParams) => prepare(sql).get(...bind(params)) as T | undefined,
    all: <T>(sql: string, params?: SqlParams) => prepare(sql).all(...bind(params)) as T[],
    transaction: (fn, options = {}) => {
      if (db.inTransaction) {
        if (options.durable && !outerDurable) {
          throw new Error('a durable transaction cannot run inside a non-durable one: its commit would not be durable');
        }
        return db.transaction(fn)();
      }
      if (!options.durable) return db.transaction(fn)();
      db.pragma('synchronous = FULL');
      outerDurable = true;
      try {
        return db.transaction(fn)();
      } finally {
        outerDurable = false;
        db.pragma('synchronous = NORMAL');
      }
    },
    pragma: (statement) => db.pragma(statement),
    close: () => {
      statements.clear();
      if (db.open) db.close();
    },
  };
}

/** An error of the database itself (disk, constraint, abort), as opposed to bad data found before writing. */
export function isStorageError(error: unknown): boolean {
  return error instanceof Database.SqliteError;
}
