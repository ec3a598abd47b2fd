import { Queue, Worker, withBackend, createPostgresBackend, type Processor, type QueueOptions, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { databaseUrl, ensureDatabase } from './db.ts';
import type { Logger } from './logger.ts';
import { observeQueues } from './metrics.ts';

/** The job queues' home: Redis when REDIS_URL is set (production), else BullMQ's PostgreSQL backend. */
export type QueueBackendKind = 'redis' | 'postgres';

export interface QueueBackend {
  kind: QueueBackendKind;
  /** Where, for the start-up log (no credentials). */
  describe: string;
  createQueue<T>(name: string, defaultJobOptions: QueueOptions['defaultJobOptions']): Queue<T>;
  createWorker<T, R>(name: string, processor: Processor<T, R>, options?: Partial<WorkerOptions>): Worker<T, R>;
  close(): Promise<void>;
}

export interface QueueBackendOptions {
  redisUrl: string | undefined;
  /** PostgreSQL server used when there is no Redis: the queues get their own database on it. */
  postgresServerUrl: string;
  /** Isolates one hub's queues from another's: Redis key prefix, or the queue database name. */
  prefix: string;
  logger: Logger;
}

/** The queues (watched for hub_queue_jobs) and their workers (hub_job_* per job) of REDIS_URL's Redis or PostgreSQL. */
export async function createQueueBackend(options: QueueBackendOptions): Promise<QueueBackend> {
  return observeQueues(await openQueueBackend(options));
}

async function openQueueBackend(options: QueueBackendOptions): Promise<QueueBackend> {
  // Without an 'error' listener BullMQ prints a queue's errors (each failed reconnect while Redis
  // restarts) to stderr itself, past the log.
  const logged = <T>(queue: Queue<T>): Queue<T> => queue.on('error', (error) => logWorkerError(options.logger, error, queue.name));
  if (options.redisUrl) {
    const url = new URL(options.redisUrl);
    const connections: Redis[] = [];
    // BullMQ needs maxRetriesPerRequest: null for its blocking commands.
    const connect = () => {
      const redis = new Redis(options.redisUrl!, { maxRetriesPerRequest: null, lazyConnect: false });
      redis.on('error', (error) => options.logger.error({ err: error }, 'redis connection error'));
      connections.push(redis);
      return redis;
    };
    return {
      kind: 'redis',
      describe: `Redis at ${url.host}`,
      createQueue: <T>(name: string, defaultJobOptions: QueueOptions['defaultJobOptions']) =>
        logged(new Queue<T>(name, { connection: connect(), prefix: options.prefix, ...(defaultJobOptions ? { defaultJobOptions } : {}) })),
      createWorker: <T, R>(name: string, processor: Processor<T, R>, workerOptions: Partial<WorkerOptions> = {}) =>
        new Worker<T, R>(name, processor, { ...workerOptions, connection: connect(), prefix: options.prefix }),
      close: async () => {
        await Promise.allSettled(connections.map((c) => c.quit()));
      },
    };
  }

  const database = `${options.prefix}_queues`;
  await ensureDatabase(options.postgresServerUrl, database);
  const connection = { connectionString: databaseUrl(options.postgresServerUrl, database), migrate: true, max: 5 };
  const Postgres = withBackend(createPostgresBackend);
  return {
    kind: 'postgres',
    describe: `PostgreSQL database ${database} (BullMQ PostgreSQL backend)`,
    createQueue: <T>(name: string, defaultJobOptions: QueueOptions['defaultJobOptions']) =>
      logged(new Postgres.Queue<T>(name, { connection, ...(defaultJobOptions ? { defaultJobOptions } : {}) }) as unknown as Queue<T>),
    createWorker: <T, R>(name: string, processor: Processor<T, R>, workerOptions: Partial<WorkerOptions> = {}) =>
      new Postgres.Worker<T, R>(name, processor as never, { ...workerOptions, connection } as never) as unknown as Worker<T, R>,
    close: async () => {},
  };
}

/**
 * Logs a queue's or a queue worker's error. PostgreSQL going away (shutdown, 57P01/57P03: on Ctrl-C
 * the embedded server stops with the hub) is expected while stopping and retried by the worker
 * otherwise, so it is a warning; anything else is an error.
 */
export function logWorkerError(logger: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void }, error: Error & { code?: string }, queue: string): void {
  if (error.code === '57P01' || error.code === '57P03') logger.warn({ queue, code: error.code }, 'queue database is shutting down');
  else logger.error({ err: error, queue }, 'queue error');
}
