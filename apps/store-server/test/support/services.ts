import net from 'node:net';
import amqp from 'amqplib';
import pg from 'pg';

/**
 * Which real services the tests talk to. PostgreSQL is always there (a local server, or
 * the embedded one); Redis and RabbitMQ may be missing on a laptop, and then their suites
 * skip loudly. Under CI=true a missing service fails the run instead.
 */
export interface TestServices {
  /** Admin connection (may CREATE DATABASE). */
  pgAdminUrl: string;
  pgSource: 'env' | 'local' | 'embedded';
  redisUrl: string | undefined;
  rabbitmqUrl: string | undefined;
  /** Why a service is missing, per service. */
  missing: Record<string, string>;
}

export const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
export const LOCAL_REDIS = 'redis://127.0.0.1:6379';
export const LOCAL_RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';

export async function postgresAnswers(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A raw PING, so that probing never leaves a reconnecting client behind. */
export function redisAnswers(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(2_000, () => done('no answer within 2 s'));
    socket.on('error', (error) => done(error.message));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) =>
      done(data.toString().startsWith('+PONG') ? undefined : `answered ${data.toString().trim()}`),
    );
  });
}

export async function rabbitmqAnswers(url: string): Promise<string | undefined> {
  try {
    const connection = await amqp.connect(url, { timeout: 2_000 });
    await connection.close();
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}
