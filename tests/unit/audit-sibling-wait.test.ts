import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AuditTrail, AuditWriter, auditHooks, type AuditedContext, type AuditSink, type NewAuditRecord } from '../../subgraphs/shared/audit.ts';
import { SubgraphExecutor, type RequestHooks } from '../../subgraphs/shared/executor.ts';
import type { Identity } from '../../subgraphs/shared/identity.ts';
import { createLogger } from '../../subgraphs/shared/logger.ts';

/**
 * Group commit that waits for siblings (subgraphs/shared/audit-writer.ts AuditWriter.begin/end): a batch
 * that is due while other requests are executing waits, at most its bound, for their records, so
 * that one INSERT and one commit carry them all. The sink here stands in for the database and
 * records each batch; tests/integration/audit-group-commit.test.ts covers the real INSERT.
 */

const rows = (person: string, n = 1) => Array.from({ length: n }, (_, i) => ({ personId: `${person}${i}` }) as NewAuditRecord);
const LONG = 60_000;

function recordingSink() {
  const batches: string[][] = [];
  const sink: AuditSink = {
    append: async (records, onSent) => {
      batches.push(records.map((r) => r.personId));
      onSent?.();
    },
  };
  return { sink, batches };
}

describe('a batch waits for the records of requests executing when it is due', () => {
  it("holds a request's records until a sibling that was executing hands over its own, then writes both in one INSERT", async () => {
    const { sink, batches } = recordingSink();
    const writer = new AuditWriter(sink, 'test', LONG);
    const [a, b] = [{}, {}];
    writer.begin(a);
    writer.begin(b);
    let aStored = false;
    const aWritten = writer.write(rows('a'), undefined, a).then(() => (aStored = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // b is still executing: nothing has been written, and a has not answered.
    expect(batches).toEqual([]);
    expect(aStored).toBe(false);
    await Promise.all([writer.write(rows('b', 2), undefined, b), aWritten]);
    expect(batches).toEqual([['a0', 'b0', 'b1']]);
  });

  it('is woken by a sibling that ends without records, and does not wait for requests that start during its wait', async () => {
    const { sink, batches } = recordingSink();
    const writer = new AuditWriter(sink, 'test', LONG);
    const [a, b, late] = [{}, {}, {}];
    writer.begin(a);
    writer.begin(b);
    const aWritten = writer.write(rows('a'), undefined, a);
    await new Promise((resolve) => setImmediate(resolve));
    writer.begin(late); // started while the batch waits for b
    writer.end(b); // b answered without reading a person
    await aWritten;
    expect(batches).toEqual([['a0']]);
    writer.end(b); // a second end is harmless
    await writer.write(rows('late'), undefined, late);
    expect(batches).toEqual([['a0'], ['late0']]);
  });

  it('waits at most its bound for a sibling that never hands over', async () => {
    const { sink, batches } = recordingSink();
    const writer = new AuditWriter(sink, 'test', 30);
    const [a, slow] = [{}, {}];
    writer.begin(slow);
    writer.begin(a);
    const started = performance.now();
    await writer.write(rows('a'), undefined, a);
    expect(batches).toEqual([['a0']]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    writer.end(slow);
  });

  it("does not hold a crowd's records, nor a lone request's", async () => {
    const { sink, batches } = recordingSink();
    const writer = new AuditWriter(sink, 'test', LONG);
    const [crowd, lone, other] = [{}, {}, {}];
    writer.begin(other);
    writer.begin(crowd);
    await writer.write(rows('c', 150), undefined, crowd);
    expect(batches.map((b) => b.length)).toEqual([150]);
    writer.end(other);
    writer.begin(lone);
    await writer.write(rows('l'), undefined, lone);
    expect(batches.map((b) => b.length)).toEqual([150, 1]);
  });
});

describe('the audit hooks tell the writer when each request starts and ends', () => {
  const typeDefs = parse(/* GraphQL */ `
    type Query {
      read(person: ID!): ID
      count: Int
    }
  `);
  type Context = AuditedContext & { gate: Promise<void> };
  const resolvers = {
    Query: {
      read: async (_: unknown, { person }: { person: string }, ctx: Context) => {
        await ctx.gate;
        ctx.audit.record(person, 'ALLOWED', ['read']);
        return person;
      },
      count: async (_: unknown, __: unknown, ctx: Context) => {
        await ctx.gate;
        return 1;
      },
    },
  };
  const identity: Identity = { subject: 's', role: 'service', jurisdiction: 'all', scopes: [], purpose: null };
  const logger = createLogger('test', 'silent');

  function executorWith(sink: AuditSink, before: RequestHooks<Context>[] = []) {
    const hooks = auditHooks<Context>({ subgraph: 'test', repository: sink, now: () => new Date(0), logger, siblingWaitMs: LONG });
    const executor = new SubgraphExecutor<Context>(buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]), {
      hooks: [...before, hooks],
      formatError: (formatted) => formatted,
      introspection: false,
    });
    const run = (query: string, gate: Promise<void> = Promise.resolve()) =>
      executor.run({ query }, { identity, audit: new AuditTrail(['read']), gate });
    return run;
  }

  it('a read that finishes while another is executing shares its INSERT', async () => {
    const { sink, batches } = recordingSink();
    const run = executorWith(sink);
    let open!: () => void;
    const slow = run(`query Slow { read(person: "p2") }`, new Promise<void>((resolve) => (open = resolve)));
    const fast = run(`query Fast { read(person: "p1") }`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([]); // the fast read's records wait for the slow read, which executes
    open();
    const answers = await Promise.all([fast, slow]);
    expect(answers.map((a) => a.result.data)).toEqual([{ read: 'p1' }, { read: 'p2' }]);
    expect(batches).toEqual([['p1', 'p2']]);
  });

  it('a sibling that ends without records, or whose hooks throw before it writes any, releases the batch', async () => {
    const { sink, batches } = recordingSink();
    const failing: RequestHooks<Context> = {
      async willSendResponse(_context, result) {
        if (result.data && 'count' in result.data) throw new Error('a hook failed');
      },
    };
    const run = executorWith(sink, [failing]);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const failed = run(`query Count { count }`, gate);
    const fast = run(`query Fast { read(person: "p1") }`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([]);
    open();
    await expect(failed).rejects.toThrow('a hook failed');
    // With a wait of a minute, only the failed request's end can have released this batch.
    expect((await fast).result.data).toEqual({ read: 'p1' });
    expect(batches).toEqual([['p1']]);
  });
});
