import { randomUUID } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, vi } from 'vitest';
import type { AuditedContext } from '../../subgraphs/shared/audit.ts';
import type { RequestHooks } from '../../subgraphs/shared/executor.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';
import { buildSubgraphService, type SubgraphDefinition, type SubgraphService } from '../../subgraphs/shared/subgraph.ts';
import { createRepositories } from '../../subgraphs/tracing/repositories/index.ts';
import { DEFAULT_CONTACT_RULE } from '../../subgraphs/tracing/rules.ts';
import { tracingModule } from '../../subgraphs/tracing/server.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';
import { callers, executeAs } from '../support/subgraph.ts';

const config = { nationalIdKey: 'n'.repeat(40), logger: createLogger('test', 'silent') };

/**
 * Group commit of audit records (subgraphs/shared/audit-writer.ts AuditWriter, behind the audit hooks),
 * on the tracing subgraph and a real database: requests that finish while an audit INSERT is in
 * flight share the next INSERT (their rows carry one transaction id, xmin), and neither answers
 * before that INSERT has committed. The first INSERT is held by a table lock that the test takes
 * and releases; a hook run just before the audit's tells when each request hands over its records.
 */
describe('audit records of concurrent requests: one statement, committed before any answer', () => {
  let database: TestDatabase<typeof tracingModule.tables>;
  let definition: SubgraphDefinition<BaseContext>;
  let service: SubgraphService;
  const H = { id: randomUUID(), personId: randomUUID() };
  const as = callers();
  /** Subjects whose requests have reached willSendResponse, i.e. handed their records to the writer. */
  const handedOver = new Set<string>();

  beforeAll(async () => {
    database = await createTestDatabase(tracingModule, 'auditgroup');
    await createRepositories(database.db).cases.confirm({
      ...H,
      provinceCode: '79',
      confirmedAt: new Date(Date.now() - 3_600_000),
      onsetAt: null,
      ruleName: DEFAULT_CONTACT_RULE.name,
    });
    const built = tracingModule.build(database.db, config);
    const handing: RequestHooks<AuditedContext> = {
      async willSendResponse(context) {
        handedOver.add(context.identity.subject);
      },
    };
    // Hooks run in order: this one marks the request just before the audit's hook hands its records over.
    definition = { ...built, hooks: [handing, ...(built.hooks ?? [])] };
    service = await buildSubgraphService(definition, { internalTokenSecret: 'x'.repeat(40), logger: config.logger });
  });
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  const read = (caller: Identity) => executeAs(service, definition, caller, `query CaseCard__tracing__0($id: ID!) { case(id: $id) { id } }`, { id: H.id });
  const rowsOf = (subjects: string[]) =>
    database.sql<Array<{ subject: string; tx: string }>>`select subject, xmin::text as tx from audit_records where subject = any(${subjects})`;

  itWithPostgres("writes the records of requests that finish during an INSERT in the next single INSERT, and answers each only once it has committed", async () => {
    const official = () => as('province_official', { jurisdiction: ['79'] });
    const [first, second, third] = [official(), official(), official()];
    const lock = await database.sql.reserve();
    await lock`begin`;
    await lock`lock table audit_records in exclusive mode`;
    let released = false;
    try {
      // The first request's INSERT waits for the lock: the writer is busy.
      const answerFirst = read(first);
      await vi.waitFor(
        async () => {
          const [waiting] = await database.sql<[{ n: number }]>`
            select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into audit_records%'`;
          expect(waiting!.n).toBe(1);
        },
        { timeout: 20_000, interval: 50 },
      );
      // Two more requests finish meanwhile; neither may answer before its record is committed.
      const committedAtAnswer = new Map<string, string[]>();
      const answer = (caller: Identity) =>
        read(caller).then(async (result) => {
          committedAtAnswer.set(caller.subject, (await rowsOf([second.subject, third.subject])).map((r) => r.subject).sort());
          return result;
        });
      const answers = Promise.all([answer(second), answer(third)]);
      await vi.waitFor(() => expect([...handedOver]).toEqual(expect.arrayContaining([first.subject, second.subject, third.subject])), { timeout: 20_000 });
      expect(committedAtAnswer.size).toBe(0);
      expect(await rowsOf([first.subject, second.subject, third.subject])).toEqual([]);

      await lock`commit`;
      released = true;
      const results = [await answerFirst, ...(await answers)];
      for (const result of results) {
        expect(result.errors).toBeUndefined();
        expect(result.data?.case).toEqual({ id: H.id });
      }
      const both = [second.subject, third.subject].sort();
      expect(committedAtAnswer.get(second.subject)).toEqual(both);
      expect(committedAtAnswer.get(third.subject)).toEqual(both);

      const rows = await rowsOf([first.subject, second.subject, third.subject]);
      const tx = (subject: string) => rows.filter((r) => r.subject === subject).map((r) => r.tx);
      expect(tx(first.subject)).toHaveLength(1);
      expect(tx(second.subject)).toHaveLength(1);
      expect(tx(second.subject)).toEqual(tx(third.subject));
      expect(tx(second.subject)).not.toEqual(tx(first.subject));
    } finally {
      if (!released) await lock`rollback`.catch(() => {});
      lock.release();
    }
  });
});
