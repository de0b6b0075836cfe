import pino from 'pino';

/** The logging surface the runtime needs; a pino logger fits it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: object): Logger;
}

const noop = () => undefined;
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export function childLogger(logger: Logger, bindings: object): Logger {
  return logger.child ? logger.child(bindings) : logger;
}

/** Structured logs to stderr (stdout carries the human report lines). LOG_LEVEL overrides the level. */
export function createLogger(name: string, defaultLevel = 'info'): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? defaultLevel }, pino.destination(2));
}
