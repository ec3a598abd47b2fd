import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { z } from 'zod';
import { hubError } from '../subgraphs/shared/errors.ts';
import type { PreparedRequest } from '../subgraphs/shared/http.ts';
import type { Logger } from '../subgraphs/shared/logger.ts';
import type { GatewayContext } from './auth.ts';

/**
 * Trusted documents for partners. A partner's client registers its operations ahead of time in a
 * manifest, one file per client in TRUSTED_DOCUMENTS_DIR (`<client>.json`, the client being the
 * `sub` of the partner's token), in the format Apollo's generate-persisted-query-manifest writes:
 *
 *   { "format": "apollo-persisted-query-manifest", "version": 1,
 *     "operations": [{ "id": "<sha256 of body>", "name": "VenueByQr", "type": "query", "body": "query VenueByQr…" }] }
 *
 * A caller with role `partner` may only run the operations its own client registered, sent by id
 * (`extensions.persistedQuery.sha256Hash`, or `documentId`); a query text or an unknown id is
 * refused with OPERATION_NOT_REGISTERED. Other roles are not affected. The folder is polled, so a
 * new or changed manifest is in force within a second or two, without a restart.
 */
export const TRUSTED_DOCUMENTS_FORMAT = 'apollo-persisted-query-manifest';

/** The committed manifests (config/trusted-documents), for a gateway built without TRUSTED_DOCUMENTS_DIR. */
export const DEFAULT_TRUSTED_DOCUMENTS_DIR = fileURLToPath(new URL('../config/trusted-documents/', import.meta.url));

const SHA256 = /^[a-f0-9]{64}$/;
/** Client names are file names: letters, digits, dot, dash, underscore. */
const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const manifestSchema = z.object({
  format: z.literal(TRUSTED_DOCUMENTS_FORMAT),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().regex(SHA256, 'ids are lowercase hex SHA-256 digests of the body'),
      name: z.string().min(1),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string().min(1),
    }),
  ),
});

export type PersistedQueryManifest = z.infer<typeof manifestSchema>;

export interface TrustedOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Reads one manifest. The whole file is refused when any entry is wrong: an id that is not the
 * SHA-256 of its body, a body that does not parse, or a name or type that the body does not have.
 */
export function parseManifest(text: string, source: string): TrustedOperation[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${source}: not valid JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const problems: string[] = [];
  parsed.data.operations.forEach((op, index) => {
    const where = `operations.${index} (${op.name})`;
    if (sha256Hex(op.body) !== op.id) problems.push(`${where}: id is not the SHA-256 of the body`);
    let definitions: OperationDefinitionNode[];
    try {
      definitions = parse(op.body).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    } catch (error) {
      problems.push(`${where}: the body does not parse (${(error as Error).message})`);
      return;
    }
    const named = definitions.length === 1 ? definitions[0] : definitions.find((d) => d.name?.value === op.name);
    if (!named || named.name?.value !== op.name) problems.push(`${where}: the body has no operation named ${op.name}`);
    else if (named.operation !== op.type) problems.push(`${where}: the operation is a ${named.operation}, not a ${op.type}`);
  });
  if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
  return parsed.data.operations;
}

/** Builds a manifest from operation bodies (what a partner's build step writes). */
export function manifestOf(bodies: Iterable<string>): PersistedQueryManifest {
  const operations = [...bodies].map((body) => {
    const operation = parse(body).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!operation?.name) throw new Error(`every registered operation needs a name: ${body.slice(0, 60)}…`);
    return { id: sha256Hex(body), name: operation.name.value, type: operation.operation, body };
  });
  operations.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { format: TRUSTED_DOCUMENTS_FORMAT, version: 1, operations };
}

export class TrustedDocuments {
  /** Client → operation id → operation. */
  private byClient: ReadonlyMap<string, ReadonlyMap<string, TrustedOperation>> = new Map();
  private timer: NodeJS.Timeout | undefined;

  private constructor(readonly logger: Logger) {}

  static fromManifests(manifests: Record<string, TrustedOperation[]>, logger: Logger): TrustedDocuments {
    const store = new TrustedDocuments(logger);
    store.byClient = new Map(Object.entries(manifests).map(([client, ops]) => [client, new Map(ops.map((op) => [op.id, op]))]));
    return store;
  }

  /**
   * Loads every `<client>.json` in `dir` and polls the folder for changes. A missing folder means
   * no registered operations (partners can run nothing). A bad file is logged and skipped at start;
   * on a reload, a bad file keeps that client's previous operations in force.
   */
  static fromDirectory(dir: string, logger: Logger, pollMs = 1_000): TrustedDocuments {
    const store = new TrustedDocuments(logger);
    let signature = '';
    const load = (initial: boolean) => {
      const files = manifestFiles(dir);
      const next = files.map((f) => `${f.name}:${f.mtimeMs}:${f.size}`).join('|');
      if (!initial && next === signature) return;
      signature = next;
      const byClient = new Map<string, ReadonlyMap<string, TrustedOperation>>();
      for (const file of files) {
        const client = basename(file.name, '.json');
        try {
          const operations = parseManifest(readFileSync(join(dir, file.name), 'utf8'), file.name);
          byClient.set(client, new Map(operations.map((op) => [op.id, op])));
        } catch (error) {
          const previous = store.byClient.get(client);
          logger.error({ err: error, dir, client }, previous ? 'trusted documents: bad manifest; keeping the previous one' : 'trusted documents: bad manifest; skipped');
          if (previous) byClient.set(client, previous);
        }
      }
      store.byClient = byClient;
      const counts = Object.fromEntries([...byClient].map(([client, ops]) => [client, ops.size]));
      logger.info({ dir, clients: counts }, initial ? 'trusted documents loaded' : 'trusted documents reloaded');
    };
    if (!existsSync(dir)) logger.warn({ dir }, 'trusted documents: folder not found; partners can run no operation');
    load(true);
    store.timer = setInterval(() => {
      try {
        load(false);
      } catch (error) {
        logger.error({ err: error, dir }, 'trusted documents: reload failed; keeping the previous ones');
      }
    }, pollMs);
    store.timer.unref();
    return store;
  }

  lookup(client: string, id: string): TrustedOperation | undefined {
    return this.byClient.get(client)?.get(id);
  }

  clients(): string[] {
    return [...this.byClient.keys()];
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function manifestFiles(dir: string): Array<{ name: string; mtimeMs: number; size: number }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && CLIENT_NAME.test(basename(name, '.json')))
    .sort()
    .flatMap((name) => {
      try {
        const stats = statSync(join(dir, name));
        return stats.isFile() ? [{ name, mtimeMs: stats.mtimeMs, size: stats.size }] : [];
      } catch {
        return []; // removed between readdir and stat
      }
    });
}

/** The operation fields of a request, from a JSON body (POST) or the query string (GET). */
interface OperationFields {
  query: unknown;
  documentId: unknown;
  operationName: unknown;
  extensions: Record<string, unknown> | undefined;
}

function fieldsOf(request: PreparedRequest): OperationFields {
  if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    let extensions: Record<string, unknown> | undefined;
    const raw = params.get('extensions');
    if (raw) {
      try {
        extensions = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        throw hubError('BAD_REQUEST', 'The extensions parameter is not valid JSON.');
      }
    }
    return { query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, operationName: params.get('operationName') ?? undefined, extensions };
  }
  const body = typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  const extensions = typeof body.extensions === 'object' && body.extensions !== null ? (body.extensions as Record<string, unknown>) : undefined;
  return { query: body.query, documentId: body.documentId, operationName: body.operationName, extensions };
}

/** `documentId` may carry the algorithm (`sha256:<hex>`, as in the GraphQL-over-HTTP draft). */
function requestedId(fields: OperationFields): string | undefined {
  if (typeof fields.documentId === 'string' && fields.documentId !== '') return fields.documentId.replace(/^sha256:/, '').toLowerCase();
  const persisted = fields.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  if (typeof persisted?.sha256Hash === 'string' && persisted.sha256Hash !== '') return persisted.sha256Hash.toLowerCase();
  return undefined;
}

function notRegistered(message: string): Error {
  return hubError('OPERATION_NOT_REGISTERED', message);
}

/**
 * The gateway's `prepareRequest` hook: partners' requests are resolved to their registered text,
 * or refused. The rewritten request carries the text and no persisted-query extension, so Apollo
 * runs it like any other operation (limits, cost, authorisation all apply).
 */
export function trustedDocumentsGate(store: TrustedDocuments): (request: PreparedRequest, context: GatewayContext) => PreparedRequest {
  return (request, { identity, requestId }) => {
    if (identity.role !== 'partner') return request;
    const fields = fieldsOf(request);
    const client = identity.subject;
    if (typeof fields.query === 'string' && fields.query.trim() !== '') {
      store.logger.info({ requestId, client }, 'trusted documents: partner sent a query text; refused');
      throw notRegistered('Partners may run registered operations only: send the operation id (extensions.persistedQuery.sha256Hash or documentId), not its text.');
    }
    const id = requestedId(fields);
    if (!id) throw notRegistered('Send the id of a registered operation in extensions.persistedQuery.sha256Hash or documentId.');
    const operation = store.lookup(client, id);
    if (!operation) {
      store.logger.info({ requestId, client, id }, 'trusted documents: unknown operation id; refused');
      throw notRegistered(`Operation ${id} is not registered for client "${client}".`);
    }

    const extensions = { ...fields.extensions };
    delete extensions.persistedQuery;
    const operationName = typeof fields.operationName === 'string' && fields.operationName !== '' ? fields.operationName : operation.name;
    if (request.method === 'GET') {
      const params = new URLSearchParams(request.search);
      params.set('query', operation.body);
      params.set('operationName', operationName);
      params.delete('documentId');
      if (Object.keys(extensions).length) params.set('extensions', JSON.stringify(extensions));
      else params.delete('extensions');
      return { ...request, search: `?${params}` };
    }
    const body: Record<string, unknown> = { ...(request.body as Record<string, unknown>), query: operation.body, operationName };
    delete body.documentId;
    if (Object.keys(extensions).length) body.extensions = extensions;
    else delete body.extensions;
    return { ...request, body };
  };
}
