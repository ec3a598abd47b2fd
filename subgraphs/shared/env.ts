import { z } from 'zod';
import { DEV_CERTIFICATE_KEYS, parseCertificateKeys, type CertificateKeyConfig } from '../vaccination/certificates/keys.ts';

/**
 * The only module that reads process.env. Every problem is reported at once, then the process
 * exits, so an operator fixes a deployment in one pass rather than one variable per restart.
 */

/** Development defaults, documented in the README. Refused when NODE_ENV=production. */
export const DEV_SECRETS = {
  JWT_SECRET: 'dev-only-jwt-secret-change-me-0123456789',
  INTERNAL_TOKEN_SECRET: 'dev-only-internal-secret-change-me-012345',
  NATIONAL_ID_KEY: 'dev-only-national-id-key-change-me-01234',
} as const;

const port = z.coerce.number().int().min(0).max(65535);
const url = z.string().url();

// ---- Gateway operation limits (issue 5, item 6; read by gateway/limits.ts) -------------------
/** Defaults of the LIMIT_* variables; the gateway uses the same numbers when none are given. */
export const LIMIT_DEFAULTS = { maxDepth: 12, maxAliases: 50, maxDirectives: 5, maxTokens: 2_000, maxCost: 20_000 } as const;
const limit = z.coerce.number().int().positive();
const LIMIT_VARIABLES = {
  LIMIT_MAX_DEPTH: limit.default(LIMIT_DEFAULTS.maxDepth),
  LIMIT_MAX_ALIASES: limit.default(LIMIT_DEFAULTS.maxAliases),
  LIMIT_MAX_DIRECTIVES: limit.default(LIMIT_DEFAULTS.maxDirectives),
  LIMIT_MAX_TOKENS: limit.default(LIMIT_DEFAULTS.maxTokens),
  LIMIT_MAX_COST: limit.default(LIMIT_DEFAULTS.maxCost),
};
// ---- end of gateway operation limits ----------------------------------------------------------

/** OTEL_TRACES_SAMPLER's values (the OpenTelemetry specification's, without the Jaeger and X-Ray ones). */
const TRACES_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/** OpenTelemetry tracing as the OTEL_* variables configure it (subgraphs/shared/telemetry.ts). */
export interface TracingSettings {
  exporter: 'otlp' | 'console';
  /** OTEL_EXPORTER_OTLP_ENDPOINT (spans go to its /v1/traces); unset: the exporter's default, http://localhost:4318. */
  endpoint?: string;
  sampler: (typeof TRACES_SAMPLERS)[number];
  /** The ratio of the *traceidratio samplers. */
  samplerArg: number;
  /** OTEL_SERVICE_NAME; unset: the process's own name (gateway, units, province-79, worker, hub). */
  serviceName?: string;
}

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: url.optional(),
    REDIS_URL: url.optional(),
    DB_PREFIX: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/).default('hub'),
    EMBEDDED_PG_DIR: z.string().default('.data/postgres'),
    EMBEDDED_PG_PORT: port.default(54329),
    JWT_SECRET: z.string().min(32).optional(),
    INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
    NATIONAL_ID_KEY: z.string().min(32).optional(),
    /** The vaccination certificates' signing key: a private Ed25519 JWK with a `kid` (JSON). */
    CERTIFICATE_SIGNING_KEY: z.string().optional(),
    /** Rotated-out certificate keys that still verify: public JWKs, a JSON array or a JWKS object. */
    CERTIFICATE_VERIFY_KEYS: z.string().optional(),
    GATEWAY_PORT: port.default(4000),
    GATEWAY_HOST: z.string().default('127.0.0.1'),
    SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_000_000),
    SUPERGRAPH_PATH: z.string().default('schema/supergraph.graphql'),
    UNITS_URL: url.optional(),
    DECLARATIONS_URL: url.optional(),
    CHECKINS_URL: url.optional(),
    TRACING_URL: url.optional(),
    TESTING_URL: url.optional(),
    VACCINATION_URL: url.optional(),
    ANALYTICS_URL: url.optional(),
    PROVINCE_REGISTRY_FILE: z.string().default('config/province-registry.json'),
    PROVINCE_TIMEOUT_MS: z.coerce.number().int().positive().default(3_000),
    TRUSTED_DOCUMENTS_DIR: z.string().default('config/trusted-documents'),
    PROVINCE_CODE: z.string().regex(/^\d{2}$/).optional(),
    PORT: port.optional(),
    RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(21),
    MAINTENANCE_EVERY_MS: z.coerce.number().int().positive().default(3_600_000),
    GATEWAY_URL: url.default('http://127.0.0.1:4000/graphql'),
    JOBS_IN_PROCESS: z.enum(['true', 'false']).default('false'),
    WORKER_JOBS: z.string().regex(/^[a-z-]+(,[a-z-]+)*$/).optional(),
    METRICS_PORT: port.default(9464),
    OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
    OTEL_TRACES_SAMPLER: z.enum(TRACES_SAMPLERS).default('parentbased_always_on'),
    OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
    ...LIMIT_VARIABLES,
  });

export type RawEnv = z.infer<typeof schema>;

export interface HubEnv {
  mode: RawEnv['NODE_ENV'];
  production: boolean;
  logLevel: RawEnv['LOG_LEVEL'];
  postgres: { url: string | undefined; prefix: string; embeddedDir: string; embeddedPort: number };
  redisUrl: string | undefined;
  /** Background jobs: where they run and what they read (subgraphs/shared/jobs.ts). */
  jobs: {
    /** A subgraph process also runs its own jobs (else the worker process runs them). */
    inProcess: boolean;
    /** The worker process runs only these jobs (by name); undefined: all of them. */
    only: string[] | undefined;
    /** Check-ins (and so exposures) older than this many days are dropped by the maintenance job. */
    retentionDays: number;
    maintenanceEveryMs: number;
  };
  /** The gateway's /graphql, for services and jobs that ask the graph (as the `service` role). */
  gatewayUrl: string;
  secrets: { jwt: string; internalToken: string; nationalIdKey: string };
  /**
   * Vaccination certificates: the key that signs, the older ones that still verify. Outside
   * production without CERTIFICATE_SIGNING_KEY: DEV_CERTIFICATE_KEYS; in production without it: undefined.
   */
  certificateKeys: CertificateKeyConfig | undefined;
  gateway: {
    port: number;
    host: string;
    subgraphTimeoutMs: number;
    maxBodyBytes: number;
    supergraphPath: string;
    subgraphUrls: Partial<Record<'units' | 'declarations' | 'checkins' | 'tracing' | 'testing' | 'vaccination' | 'analytics', string>>;
    provinceRegistryFile: string;
    provinceTimeoutMs: number;
    /** Partners' registered operations: one manifest per client (gateway/trusted-documents.ts). */
    trustedDocumentsDir: string;
    /** Operation limits (LIMIT_* variables). */
    limits: { maxDepth: number; maxAliases: number; maxDirectives: number; maxTokens: number; maxCost: number };
  };
  service: { port: number | undefined; provinceCode: string | undefined };
  /** In production, where /metrics is served instead of the service's own port. */
  metricsPort: number;
  /** Undefined (no tracing) unless OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT asks for it. */
  tracing: TracingSettings | undefined;
}

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): HubEnv {
  // Empty strings mean "unset" (a blank line in an .env file should not become a value).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  const problems = result.success ? [] : result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  // Checked apart from the schema so these show up together with any other problem.
  if (cleaned.NODE_ENV === 'production') {
    for (const name of ['JWT_SECRET', 'INTERNAL_TOKEN_SECRET', 'NATIONAL_ID_KEY'] as const) {
      if (!cleaned[name]) problems.push(`  ${name}: required when NODE_ENV=production`);
    }
  }
  // Only the processes that sign need it (the vaccination subgraph, npm start): they refuse to start
  // without it in production (requireCertificateKeys); the gateway and other services do not.
  let certificateKeys: CertificateKeyConfig | undefined = cleaned.NODE_ENV === 'production' ? undefined : DEV_CERTIFICATE_KEYS;
  if (cleaned.CERTIFICATE_SIGNING_KEY) {
    try {
      certificateKeys = parseCertificateKeys(cleaned.CERTIFICATE_SIGNING_KEY, cleaned.CERTIFICATE_VERIFY_KEYS);
    } catch (error) {
      problems.push(`  CERTIFICATE_SIGNING_KEY / CERTIFICATE_VERIFY_KEYS: ${error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ') : (error as Error).message}`);
    }
  } else if (cleaned.CERTIFICATE_VERIFY_KEYS) {
    problems.push('  CERTIFICATE_VERIFY_KEYS: given without CERTIFICATE_SIGNING_KEY');
  }
  if (!result.success || problems.length) throw new EnvError(`Invalid environment:\n${problems.join('\n')}`);
  const env = result.data;
  return {
    mode: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    logLevel: env.LOG_LEVEL,
    postgres: { url: env.DATABASE_URL, prefix: env.DB_PREFIX, embeddedDir: env.EMBEDDED_PG_DIR, embeddedPort: env.EMBEDDED_PG_PORT },
    redisUrl: env.REDIS_URL,
    jobs: {
      inProcess: env.JOBS_IN_PROCESS === 'true',
      only: env.WORKER_JOBS?.split(','),
      retentionDays: env.RETENTION_DAYS,
      maintenanceEveryMs: env.MAINTENANCE_EVERY_MS,
    },
    gatewayUrl: env.GATEWAY_URL,
    secrets: {
      jwt: env.JWT_SECRET ?? DEV_SECRETS.JWT_SECRET,
      internalToken: env.INTERNAL_TOKEN_SECRET ?? DEV_SECRETS.INTERNAL_TOKEN_SECRET,
      nationalIdKey: env.NATIONAL_ID_KEY ?? DEV_SECRETS.NATIONAL_ID_KEY,
    },
    certificateKeys,
    gateway: {
      port: env.GATEWAY_PORT,
      host: env.GATEWAY_HOST,
      subgraphTimeoutMs: env.SUBGRAPH_TIMEOUT_MS,
      maxBodyBytes: env.MAX_BODY_BYTES,
      supergraphPath: env.SUPERGRAPH_PATH,
      subgraphUrls: {
        ...(env.UNITS_URL ? { units: env.UNITS_URL } : {}),
        ...(env.DECLARATIONS_URL ? { declarations: env.DECLARATIONS_URL } : {}),
        ...(env.CHECKINS_URL ? { checkins: env.CHECKINS_URL } : {}),
        ...(env.TRACING_URL ? { tracing: env.TRACING_URL } : {}),
        ...(env.TESTING_URL ? { testing: env.TESTING_URL } : {}),
        ...(env.VACCINATION_URL ? { vaccination: env.VACCINATION_URL } : {}),
        ...(env.ANALYTICS_URL ? { analytics: env.ANALYTICS_URL } : {}),
      },
      provinceRegistryFile: env.PROVINCE_REGISTRY_FILE,
      provinceTimeoutMs: env.PROVINCE_TIMEOUT_MS,
      trustedDocumentsDir: env.TRUSTED_DOCUMENTS_DIR,
      limits: {
        maxDepth: env.LIMIT_MAX_DEPTH,
        maxAliases: env.LIMIT_MAX_ALIASES,
        maxDirectives: env.LIMIT_MAX_DIRECTIVES,
        maxTokens: env.LIMIT_MAX_TOKENS,
        maxCost: env.LIMIT_MAX_COST,
      },
    },
    service: { port: env.PORT, provinceCode: env.PROVINCE_CODE },
    metricsPort: env.METRICS_PORT,
    tracing: tracingSettings(env),
  };
}

function tracingSettings(env: RawEnv): TracingSettings | undefined {
  const exporter = env.OTEL_TRACES_EXPORTER ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'none');
  if (exporter === 'none') return undefined;
  return {
    exporter,
    ...(env.OTEL_EXPORTER_OTLP_ENDPOINT ? { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerArg: env.OTEL_TRACES_SAMPLER_ARG,
    ...(env.OTEL_SERVICE_NAME ? { serviceName: env.OTEL_SERVICE_NAME } : {}),
  };
}

/** The certificate keys, or the reason a process that signs certificates must not start. */
export function requireCertificateKeys(keys: CertificateKeyConfig | undefined): CertificateKeyConfig {
  if (!keys) throw new EnvError('Invalid environment:\n  CERTIFICATE_SIGNING_KEY: required when NODE_ENV=production (vaccination certificates)');
  return keys;
}

/** For entry points: parse process.env or print every problem and exit. */
export function loadEnv(): HubEnv {
  try {
    // eslint-disable-next-line no-process-env -- the one place that reads the environment
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
