export { type AppDeps, buildApp } from './app';
export { type Config, ConfigError, loadConfig } from './config';
export { type RunningServer, StartupError, startServer } from './server';
