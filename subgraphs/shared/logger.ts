import { pino, type DestinationStream, type Logger } from 'pino';
import { logCorrelation } from './telemetry.ts';

export type { Logger };

/**
 * One logger factory so every service logs the same shape (JSON lines, `service` on every line,
 * and `requestId` and `traceId` on every line written while a request is handled). `destination`
 * (tests) replaces standard output.
 */
export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  return pino({ level, base: { service }, mixin: logCorrelation }, destination);
}
