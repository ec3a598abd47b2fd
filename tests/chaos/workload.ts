import { createHash, randomUUID } from 'node:crypto';
import { postWithRetry, type GraphQLBody, type RetryPolicy } from '../../examples/partner-client/src/client.ts';
import { DEMO_PEOPLE, DEMO_VENUES } from '../../subgraphs/shared/demo.ts';

/**
 * The chaos run's clients: partners uploading check-ins and lab results, a center confirming cases,
 * and readers. Writers retry as the partner client example does (examples/partner-client: same
 * body, same ids, on a timeout, a lost connection, a 5xx or a code for a part that is down) and
 * log every attempt and what was finally answered; the checks after the run read only this log
 * and the databases.
 */

export type WriteKind = 'checkins' | 'tests' | 'cases';
export type ReadKind = 'one' | 'shard' | 'all';

export interface WriteEntry {
  kind: WriteKind;
  /** The ids sent (check-in ids, lab sample ids, case ids). */
  ids: string[];
  firstSentAt: number;
  attempts: Array<{ at: number; answeredAt: number; why: string | null }>;
  /** The ids answered as stored (accepted, or a duplicate of an earlier attempt's), once the answer was final. */
  acceptedIds: string[];
  /** Final answer: 'accepted' (some or all rows), 'refused' (a final error), 'gave-up' (attempts spent), 'pending' (still retrying at the end). */
  outcome: 'accepted' | 'refused' | 'gave-up' | 'pending';
  codes: string[];
}

export interface ReadEntry {
  kind: ReadKind;
  at: number;
  ms: number;
  /** 'ok', the error codes joined ('SUBGRAPH_UNAVAILABLE'), 'UNCODED' for an error without a code, or the failure (timeout, ECONNREFUSED, HTTP 502). */
  outcome: string;
  partial: boolean;
}

/** Testing sites (province shards) and people (declarations) the hub knows, for the lab's uploads. */
export interface LabWorld {
  sites: Array<{ province: string; id: string }>;
  people: string[];
}

export interface Tokens {
  scanner: string;
  lab: string;
  official: string;
}

export const CHECKINS_DOCUMENT_ID = '5b59e7b7d62a08ed28ed1a93489ede1e46585e2aa2dc6e1610d30c4402470da9';
export const RECORD_RESULTS = /* GraphQL */ `mutation RecordTestResults($results: [TestResultInput!]!) { recordTestResults(results: $results) { accepted corrected duplicates rejected { index code } } }`;
const CONFIRM = /* GraphQL */ `mutation ConfirmCase($input: ConfirmCaseInput!) { confirmCase(input: $input) { __typename ... on CaseConfirmed { created case { id } } } }`;

const READS: Record<ReadKind, { query: string; variables?: Record<string, unknown> }> = {
  // The units subgraph alone.
  one: { query: `{ provinces { code name } }` },
  // One province shard (79, the one the run takes down, slows and cuts off).
  shard: { query: `{ province(code: "79") { code hotline testingSites { id } } }` },
  // Every subgraph and every shard.
  all: {
    query: /* GraphQL */ `query Everything($person: ID!) {
      person(id: $person) { fullName cases { id } }
      venueByQr(qrCode: "${DEMO_VENUES.hoanKiemRestaurant.qrCode}") { name }
      contactRules { name }
      testResult(id: "00000000-0000-4000-8000-000000000000") { id }
      p01: province(code: "01") { name hotline }
      p24: province(code: "24") { name hotline }
      p79: province(code: "79") { name hotline }
    }`,
    variables: { person: DEMO_PEOPLE.chau.id },
  },
};

const people = Object.values(DEMO_PEOPLE);
const qrCodes = Object.values(DEMO_VENUES).map((v) => v.qrCode);

export interface WorkloadOptions {
  gatewayUrl: string;
  tokens: Tokens;
  lab: LabWorld;
  /** Concurrent clients of each kind of write. */
  writers: number;
  checkinBatch: number;
  resultBatch: number;
  /** Pause between one client's writes (and reads). */
  intervalMs: number;
  retry: RetryPolicy;
}

export class Workload {
  readonly writes: WriteEntry[] = [];
  readonly reads: ReadEntry[] = [];
  #running = false;
  #loops: Promise<void>[] = [];
  #seq = 0;
  #cases = 0;

  constructor(private readonly options: WorkloadOptions) {}

  start(): void {
    this.#running = true;
    const { writers } = this.options;
    for (let i = 0; i < writers; i++) {
      this.#loops.push(this.#loop(() => this.#write('checkins', this.#checkinBatch())));
      this.#loops.push(this.#loop(() => this.#write('tests', this.#resultBatch())));
    }
    this.#loops.push(this.#loop(() => this.#write('cases', this.#case())));
    for (const kind of ['one', 'shard', 'all'] as const) this.#loops.push(this.#loop(() => this.#read(kind)));
  }

  /** Stops sending new requests and waits for those in flight to be answered or given up. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  async #loop(step: () => Promise<void>): Promise<void> {
    // Clients start out of step with one another.
    await sleep(Math.random() * this.options.intervalMs);
    while (this.#running) {
      await step();
      await sleep(this.options.intervalMs * (0.5 + Math.random()));
    }
  }

  #checkinBatch(): { ids: string[]; token: string; payload: Record<string, unknown>; accepted: (data: any) => string[] } {
    // Ten days ago, outside every confirmed case's infectious window (onset four days ago, from two
    // days before it), and checked out: the check-ins make no contacts and nothing closes them.
    const base = Date.now() - 10 * 86_400_000;
    const batch = Array.from({ length: this.options.checkinBatch }, (_, i) => {
      const at = base + (this.#seq++ % 86_400) * 1000 + i;
      return { id: randomUUID(), qrCode: qrCodes[i % qrCodes.length]!, personId: randomUUID(), checkedInAt: new Date(at).toISOString(), checkedOutAt: new Date(at + 1_800_000).toISOString() };
    });
    return {
      ids: batch.map((r) => r.id),
      token: this.options.tokens.scanner,
      payload: { documentId: `sha256:${CHECKINS_DOCUMENT_ID}`, variables: { batch } },
      accepted: (data) => {
        const result = data?.recordCheckIns;
        if (!result) return [];
        const rejected = new Set((result.rejected as Array<{ id: string | null }>).map((r) => r.id));
        return batch.map((r) => r.id).filter((id) => !rejected.has(id));
      },
    };
  }

  #resultBatch(): { ids: string[]; token: string; payload: Record<string, unknown>; accepted: (data: any) => string[] } {
    const now = Date.now();
    const { sites, people: labPeople } = this.options.lab;
    const results = Array.from({ length: this.options.resultBatch }, (_, i) => ({
      sampleId: `chaos-${randomUUID()}`,
      personId: labPeople[Math.floor(Math.random() * labPeople.length)]!,
      kind: i % 3 === 0 ? 'RAPID_ANTIGEN' : 'PCR',
      sampleType: i % 3 === 0 ? 'NASAL_SWAB' : 'NASOPHARYNGEAL_SWAB',
      // Negative: cases come from the official's confirmCase alone, so runs and tasks stay countable.
      result: 'NEGATIVE',
      collectedAt: new Date(now - 6 * 3_600_000).toISOString(),
      resultedAt: new Date(now - 3_600_000).toISOString(),
      // Sites of every province, the faulty one's too: while it is down the upload is refused with PROVINCE_UNAVAILABLE and retried.
      testingSite: sites[Math.floor(Math.random() * sites.length)]!,
    }));
    return {
      ids: results.map((r) => r.sampleId),
      token: this.options.tokens.lab,
      payload: { documentId: `sha256:${sha256(RECORD_RESULTS)}`, variables: { results } },
      accepted: (data) => {
        const result = data?.recordTestResults;
        if (!result) return [];
        const rejected = new Set((result.rejected as Array<{ index: number }>).map((r) => r.index));
        return results.filter((_, i) => !rejected.has(i)).map((r) => r.sampleId);
      },
    };
  }

  #case(): { ids: string[]; token: string; payload: Record<string, unknown>; accepted: (data: any) => string[] } {
    // Each demo person in turn: An's cases (no earlier case links them) find contacts in 79, 01 and 24 every time.
    const person = people[this.#cases++ % people.length]!;
    const id = randomUUID();
    const now = Date.now();
    const input = { id, personId: person.id, province: person.provinceCode, confirmedAt: new Date(now - 60_000).toISOString(), onsetAt: new Date(now - 4 * 86_400_000).toISOString() };
    return {
      ids: [id],
      token: this.options.tokens.official,
      payload: { query: CONFIRM, variables: { input } },
      accepted: (data) => (data?.confirmCase?.__typename === 'CaseConfirmed' ? [id] : []),
    };
  }

  async #write(kind: WriteKind, request: { ids: string[]; token: string; payload: Record<string, unknown>; accepted: (data: any) => string[] }): Promise<void> {
    const entry: WriteEntry = { kind, ids: request.ids, firstSentAt: Date.now(), attempts: [], acceptedIds: [], outcome: 'pending', codes: [] };
    this.writes.push(entry);
    try {
      const { body } = await postWithRetry(this.options.gatewayUrl, request.token, request.payload, this.options.retry, (_, why, sentAt) => {
        entry.attempts.push({ at: sentAt, answeredAt: Date.now(), why });
      });
      entry.codes = codesOf(body);
      entry.acceptedIds = request.accepted(body.data);
      entry.outcome = entry.acceptedIds.length > 0 ? 'accepted' : 'refused';
    } catch {
      entry.outcome = 'gave-up';
    }
  }

  async #read(kind: ReadKind): Promise<void> {
    const at = Date.now();
    let outcome: string;
    let partial = false;
    try {
      const response = await fetch(this.options.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.tokens.official}` },
        body: JSON.stringify(READS[kind]),
        signal: AbortSignal.timeout(this.options.retry.timeoutMs),
      });
      const text = await response.text();
      let body: GraphQLBody | undefined;
      try {
        body = JSON.parse(text) as GraphQLBody;
      } catch {
        body = undefined;
      }
      if (!body) outcome = `HTTP ${response.status} not JSON`;
      else if (response.status >= 500) outcome = `HTTP ${response.status} ${codesOf(body).join(',')}`;
      else {
        const codes = codesOf(body);
        outcome = codes.length === 0 ? 'ok' : codes.join(',');
        partial = codes.length > 0 && Object.values((body.data ?? {}) as Record<string, unknown>).some((v) => v != null);
      }
    } catch (error) {
      const cause = error as { name?: string; cause?: { code?: string } };
      outcome = cause.name === 'TimeoutError' ? 'timeout' : (cause.cause?.code ?? cause.name ?? 'network error');
    }
    this.reads.push({ kind, at, ms: Date.now() - at, outcome, partial });
  }
}

/** Each error's code, `UNCODED` for one without. */
function codesOf(body: GraphQLBody): string[] {
  return [...new Set((body.errors ?? []).map((e) => e.extensions?.code ?? 'UNCODED'))].sort();
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
