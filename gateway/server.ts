import type { Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { Agent } from 'undici';
import { apolloResponder, closeServer, createGraphQLHttpServer, listen, sendJson } from '../subgraphs/shared/http.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import { metricsRoute, watchReadiness } from '../subgraphs/shared/metrics.ts';
import { requestTelemetryPlugin } from '../subgraphs/shared/telemetry.ts';
import { createAuthenticator, type AuthSecrets, type GatewayContext } from './auth.ts';
import { createSubgraphFetcher, NationalDataSource } from './data-source.ts';
import { EntityCache } from './entity-cache.ts';
import { gatewayHardening, type Limits } from './limits.ts';
import { enforceSchemaRequirements } from './authorization.ts';
import { supergraphFromFile } from './supergraph.ts';
import { webAppRoutes } from './web-apps.ts';
import { DEFAULT_TRUSTED_DOCUMENTS_DIR, TrustedDocuments, trustedDocumentsGate } from './trusted-documents.ts';
import { ProvinceRouter } from './province-router.ts';
import { Readiness } from './readiness.ts';
import { wellKnownRoutes } from './well-known.ts';
import { checkVariablesWithoutCoercing } from './variables.ts';
import type { ProvinceRegistry } from './province-registry.ts';

export interface GatewayOptions {
  supergraphPath: string;
  /** Subgraph name → URL; overrides the URL written in the supergraph. */
  subgraphUrls: Record<string, string>;
  secrets: AuthSecrets;
  subgraphTimeoutMs: number;
  /** Where each province's deployment of the province subgraph lives. */
  provinceRegistry: ProvinceRegistry;
  /** Per-province timeout: a slow province yields PROVINCE_UNAVAILABLE, not a slow answer for all. */
  provinceTimeoutMs: number;
  maxBodyBytes: number;
  production: boolean;
  /** Operation limits; missing ones take the LIMIT_* defaults (see gateway/limits.ts). */
  limits?: Partial<Limits>;
  /** Partners' registered operations, one manifest per client (default config/trusted-documents). */
  trustedDocumentsDir?: string;
  /** The built explorer served at /explorer/ (default explorer/dist). */
  explorerDir?: string;
  /** The built dashboard served at /dashboard/ (default dashboard/dist). */
  dashboardDir?: string;
  /** /ready answers from probes of every subgraph and province run this often (default 5 s)… */
  readyProbeIntervalMs?: number;
  /** …each of which gives up after this long (default 1 s). */
  readyProbeTimeoutMs?: number;
  logger: Logger;
}

export interface GatewayService {
  apollo: ApolloServer<GatewayContext>;
  gateway: ApolloGateway;
  http: Server;
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Builds (does not start listening) the gateway: @apollo/gateway over the static supergraph file. */
export async function buildGateway(options: GatewayOptions): Promise<GatewayService> {
  const { logger } = options;
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const fetcher = createSubgraphFetcher(options.subgraphTimeoutMs, agent);
  const urls = new Map<string, string>();
  const entities = new EntityCache();

  // @apollo/gateway 2.14 otherwise exports usage telemetry to Apollo's servers and probes cloud
  // metadata addresses at start: off-machine traffic that a closed government network must not see.
  // eslint-disable-next-line no-process-env -- read by @apollo/gateway itself; there is no option
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(options.supergraphPath, logger),
    buildService: ({ name, url }) => {
      if (name === 'province') return new ProvinceRouter(options.provinceRegistry, options.provinceTimeoutMs, logger.child({ component: 'province-router' }), entities);
      const target = options.subgraphUrls[name] ?? url ?? '';
      urls.set(name, target);
      return new NationalDataSource(name, target, fetcher, options.subgraphTimeoutMs, logger.child({ component: 'data-source' }), entities);
    },
    logger,
  });
  checkVariablesWithoutCoercing(gateway);
  let schemaLoaded = false;
  gateway.onSchemaLoadOrUpdate(() => {
    schemaLoaded = true;
  });

  const hardening = gatewayHardening({ production: options.production, limits: options.limits ?? {}, logger });
  const apollo = new ApolloServer<GatewayContext>({
    // @authenticated / @requiresScopes from the supergraph, enforced before planning (gateway/authorization.ts).
    gateway: enforceSchemaRequirements(gateway, { logger: logger.child({ component: 'authorization' }) }),
    // The process owner (npm start, runSubgraph) stops everything in order on SIGINT/SIGTERM.
    stopOnTerminationSignals: false,
    // Operation limits, batching and CSRF, introspection, error masking (gateway/limits.ts).
    ...hardening,
    plugins: [...hardening.plugins, requestTelemetryPlugin],
  });
  await apollo.start();
  // After apollo.start(): the gateway has built its data sources, so `urls` is filled.
  const readiness = new Readiness({
    subgraphs: () => urls,
    provinces: () => options.provinceRegistry.entries(),
    agent,
    intervalMs: options.readyProbeIntervalMs ?? 5_000,
    timeoutMs: options.readyProbeTimeoutMs ?? 1_000,
  });
  // hub_subgraph_up and hub_province_up read the probes' last round.
  const unwatchReadiness = watchReadiness(() => readiness.snapshot());
  const trustedDocuments = TrustedDocuments.fromDirectory(options.trustedDocumentsDir ?? DEFAULT_TRUSTED_DOCUMENTS_DIR, logger.child({ component: 'trusted-documents' }));

  const http = createGraphQLHttpServer<GatewayContext>({
    respond: apolloResponder(apollo),
    logger,
    maxBodyBytes: options.maxBodyBytes,
    context: createAuthenticator(options.secrets),
    prepareRequest: trustedDocumentsGate(trustedDocuments),
    browserRedirect: '/explorer/',
    serverName: 'gateway',
    routes: {
      ...webAppRoutes('explorer', { dir: options.explorerDir, production: options.production, jwtSecret: options.secrets.jwt, logger: logger.child({ component: 'explorer' }) }),
      ...webAppRoutes('dashboard', { dir: options.dashboardDir, production: options.production, jwtSecret: options.secrets.jwt, logger: logger.child({ component: 'dashboard' }) }),
      // The certificate keys and revocations, relayed from the vaccination subgraph (gateway/well-known.ts).
      ...wellKnownRoutes({ vaccinationUrl: () => urls.get('vaccination'), agent, timeoutMs: options.subgraphTimeoutMs, logger: logger.child({ component: 'well-known' }) }),
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      '/ready': async (_req, res) => {
        const { subgraphs, provinces, checkedAt, ageMs } = await readiness.snapshot();
        sendJson(res, schemaLoaded ? 200 : 503, { ready: schemaLoaded, supergraph: schemaLoaded ? 'loaded' : 'missing', subgraphs, provinces, checkedAt, ageMs });
      },
      // In production the gateway's process serves it on METRICS_PORT, away from the public port.
      ...(options.production ? {} : { '/metrics': metricsRoute }),
    },
  });

  readiness.start();
  return {
    apollo,
    gateway,
    http,
    listen: (port, host) => listen(http, port, host),
    stop: async () => {
      await closeServer(http);
      unwatchReadiness();
      await readiness.stop();
      await apollo.stop();
      await agent.close();
      options.provinceRegistry.close();
      trustedDocuments.close();
    },
  };
}
