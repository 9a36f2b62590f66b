import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '../../src/config';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import {
  LOCAL_PG,
  LOCAL_RABBITMQ,
  LOCAL_REDIS,
  postgresAnswers,
  rabbitmqAnswers,
  redisAnswers,
  type TestServices,
} from './services';
import { dropOrphanedTestDatabases, dropRunDatabases, ensureTemplates, type TemplateNames } from './templates';

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices;
    templates: TemplateNames;
    runPid: number;
  }
}

const inCi = process.env.CI === 'true' || process.env.CI === '1';

async function resolvePostgres(missing: Record<string, string>): Promise<{
  url: string;
  source: TestServices['pgSource'];
  embedded?: EmbeddedPostgres;
}> {
  const fromEnv = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (fromEnv) {
    const why = await postgresAnswers(fromEnv);
    if (why) throw new Error(`TEST_DATABASE_URL/DATABASE_URL does not answer: ${why}`);
    return { url: fromEnv, source: 'env' };
  }
  const why = await postgresAnswers(LOCAL_PG);
  if (!why) return { url: LOCAL_PG, source: 'local' };
  if (inCi) throw new Error(`CI=true and PostgreSQL does not answer at ${LOCAL_PG}: ${why}`);
  missing.postgres = `no PostgreSQL at ${LOCAL_PG} (${why}); using the embedded one`;
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(repoRoot, '.till', 'test-postgres') });
  return { url: embedded.url, source: 'embedded', embedded };
}

async function optionalService(
  name: string,
  envVar: string,
  fallback: string,
  probe: (url: string) => Promise<string | undefined>,
  missing: Record<string, string>,
): Promise<string | undefined> {
  const url = process.env[envVar] || fallback;
  const why = await probe(url);
  if (!why) return url;
  if (inCi)
    throw new Error(`CI=true and ${name} does not answer at ${url} (${envVar}): ${why}. Start it; CI never skips.`);
  missing[name] = `${name} does not answer at ${url} (${why}); set ${envVar} or start it`;
  return undefined;
}

export default async function setup(project: TestProject) {
  const missing: Record<string, string> = {};
  const postgres = await resolvePostgres(missing);
  const [redisUrl, rabbitmqUrl] = await Promise.all([
    optionalService('Redis', 'REDIS_URL', LOCAL_REDIS, redisAnswers, missing),
    optionalService('RabbitMQ', 'RABBITMQ_URL', LOCAL_RABBITMQ, rabbitmqAnswers, missing),
  ]);
  const skipped = Object.entries(missing).filter(([name]) => name !== 'postgres');
  if (skipped.length > 0) {
    const lines = skipped.map(([, why]) => `  !! ${why}`).join('\n');
    process.stderr.write(
      `\n${'!'.repeat(78)}\n  Suites that need these services are SKIPPED:\n${lines}\n${'!'.repeat(78)}\n\n`,
    );
  }

  await dropOrphanedTestDatabases(postgres.url);
  const templates = await ensureTemplates(postgres.url);
  const services: TestServices = {
    pgAdminUrl: postgres.url,
    pgSource: postgres.source,
    redisUrl,
    rabbitmqUrl,
    missing,
  };
  project.provide('services', services);
  project.provide('templates', templates);
  project.provide('runPid', process.pid);

  return async () => {
    await dropRunDatabases(postgres.url, process.pid);
    await postgres.embedded?.stop();
  };
}
