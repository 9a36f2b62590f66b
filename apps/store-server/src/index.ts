export { type AppDeps, buildApp } from './app';
export { type Config, ConfigError, loadConfig } from './config';
export { type DemoCatalog, type DemoProduct, generateDemoCatalog } from './seed/demo-catalog';
export { type RunningServer, StartupError, startServer } from './server';
