import { pino, type Logger } from 'pino';

export type { Logger };

/** One logger factory so every service logs the same shape (JSON lines, `service` on every line). */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({ level, base: { service } });
}
