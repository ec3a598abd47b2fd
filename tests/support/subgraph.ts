import type { BaseContext } from '@apollo/server';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import type { SubgraphDefinition, SubgraphService } from '../../subgraphs/shared/subgraph.ts';

/** A GraphQL answer as a test reads it. */
export interface Result {
  data?: Record<string, any> | null;
  errors?: ReadonlyArray<{ message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> }>;
}

/** Runs an operation on a subgraph's Apollo Server as `identity` (the context the gateway's token would give). */
export async function executeAs(
  service: SubgraphService,
  definition: SubgraphDefinition<BaseContext>,
  identity: Identity,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Result> {
  const response = await service.executor.run({ query, variables }, definition.createContext(identity));
  return response.result as Result;
}

/** The error codes of an answer, in order. */
export const codes = (result: Result) => (result.errors ?? []).map((e) => e.extensions?.code);

/** A fresh caller per call (its own subject), so a test's audit records are its own. */
export function callers(): (role: Identity['role'], patch?: Partial<Identity>) => Identity {
  let seq = 0;
  return (role, patch = {}) => ({
    subject: `${role}-${++seq}-${Math.random().toString(36).slice(2, 10)}`,
    role,
    jurisdiction: role === 'national_official' || role === 'service' ? 'all' : [],
    scopes: [],
    purpose: null,
    ...patch,
  });
}

/** A row of an `audit_records` table (subgraphs/shared/audit-table.ts), as postgres.js returns it. */
export interface AuditRow {
  subject: string;
  role: string;
  jurisdiction: string[];
  person_id: string;
  fields: string[];
  masked_fields: string[];
  operation_name: string | null;
  purpose: string | null;
  outcome: string;
  reason: string | null;
  break_glass_grant_id: string | null;
}
