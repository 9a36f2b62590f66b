export { type AppDeps, buildApp } from './app';
export { issueApiKey } from './auth/api-keys';
export { type Config, ConfigError, loadConfig } from './config';
export { type DemoCatalog, type DemoProduct, generateDemoCatalog } from './seed/demo-catalog';
export { seedDemoStore } from './seed/seed-demo-store';
export { type RunningServer, StartupError, startServer } from './server';
