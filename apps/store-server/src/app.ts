import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { Logger } from 'pino';
import { auth } from './auth/plugin';
import type { Config } from './config';
import { registerErrorHandler } from './errors';
import { dashboardRoutes } from './http/dashboard';
import { docs } from './http/docs';
import { healthRoutes } from './http/health';
import { productRoutes } from './http/products';
import { rateLimits } from './http/rate-limit';
import { storeRoutes } from './http/stores';
import { terminalRoutes } from './http/terminals';
import { createMetrics, registerMetricsHooks } from './observability/metrics';
import { Readiness } from './observability/readiness';
import { pricing } from './pricing/plugin';
import { realtime } from './realtime/gateway';
import type { StockAuthority } from './stock/authority';
import { stockPlugin } from './stock/plugin';
import './types';

export interface AppDeps {
  config: Config;
  db: pg.Pool;
  logger: Logger;
  /** The stock authority; by default made from the config (Redis mode with REDIS_URL). */
  stock?: StockAuthority;
}

/** Builds the HTTP application from its dependencies; starting and stopping them is main's job. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per request drowns the log at store volumes; the /metrics histogram counts them instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    trustProxy: true,
    forceCloseConnections: 'idle',
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  const metrics = createMetrics();
  app.decorate('config', deps.config);
  app.decorate('db', deps.db);
  app.decorate('readiness', new Readiness());
  app.decorate('metrics', metrics);
  registerMetricsHooks(app, metrics);

  await app.register(docs);
  await app.register(auth);
  await app.register(rateLimits);
  await app.register(pricing);
  await app.register(healthRoutes);
  await app.register(productRoutes);
  await app.register(storeRoutes);
  await app.register(stockPlugin, { authority: deps.stock });
  await app.register(dashboardRoutes);
  await app.register(realtime);
  await app.register(terminalRoutes);
  return app;
}
