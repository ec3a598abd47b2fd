import { hubError } from '../shared/errors.ts';
import type { GraphClient } from '../shared/graph-client.ts';

/**
 * What certificates and the health pass need from other subgraphs, asked through the gateway with
 * the service identity (subgraphs/shared/graph-client.ts), always after this subgraph's own
 * access check. Not `@requires`: the query plan would fetch those fields as the caller, and a
 * caller's view is partial by design (a citizen sees no contact status, a province official only
 * the results of samples taken in their provinces), while a certificate and a health pass must say
 * the same whoever asks.
 */

/** The person as a certificate names them (declarations). */
export interface PersonIdentity {
  fullName: string;
  birthYear: number;
}

/** The raw inputs of the health pass: test results (testing), cases and scheduled tests (tracing, testing). */
export interface HealthInputs {
  tests: Array<{ result: string; collectedAt: Date }>;
  caseConfirmations: Date[];
  f1DueDays: string[];
}

export interface GraphInputs {
  /** Many people in one read (declarations' `people`): by id, null for one unknown or without a name. */
  people(personIds: readonly string[]): Promise<Map<string, PersonIdentity | null>>;
  /** The province the person lives in (declarations), null when unknown. */
  residenceProvince(personId: string): Promise<string | null>;
  health(personId: string): Promise<HealthInputs>;
}

const PEOPLE = /* GraphQL */ `
  query CertificatePeople($ids: [ID!]!) {
    people(ids: $ids) { id fullName birthYear }
  }`;

const RESIDENCE = /* GraphQL */ `
  query HealthPassResidence($id: ID!) {
    person(id: $id) { residenceProvince { code } }
  }`;

const HEALTH = /* GraphQL */ `
  query HealthPassInputs($id: ID!) {
    person(id: $id) {
      testResults { result collectedAt pool { size } }
      cases { status confirmedAt }
      testSchedule { dueOn degree }
    }
  }`;

interface HealthAnswer {
  person: {
    testResults: Array<{ result: string; collectedAt: string; pool: { size: number } | null }> | null;
    cases: Array<{ status: string; confirmedAt: string }> | null;
    testSchedule: Array<{ dueOn: string; degree: string }> | null;
  } | null;
}

/** Any error fails the read: a pass computed without a subgraph's answer could be green by omission. */
function unavailable(what: string, message: string | undefined): never {
  throw hubError('SUBGRAPH_UNAVAILABLE', `The ${what} could not be read from the graph: ${message ?? 'no answer'}.`);
}

export function graphInputs(graph: GraphClient): GraphInputs {
  return {
    async people(personIds) {
      if (personIds.length === 0) return new Map();
      const { data, errors } = await graph.query<{ people: Array<{ id: string; fullName: string | null; birthYear: number | null } | null> }>(PEOPLE, { ids: personIds });
      if (errors.length || !data) unavailable('people', errors[0]?.message);
      return new Map(personIds.map((id, i) => {
        const person = data.people[i];
        return [id, person?.fullName && person.birthYear ? { fullName: person.fullName, birthYear: person.birthYear } : null];
      }));
    },
    async residenceProvince(personId) {
      const { data, errors } = await graph.query<{ person: { residenceProvince: { code: string } | null } | null }>(RESIDENCE, { id: personId });
      if (errors.length || !data) unavailable('residence', errors[0]?.message);
      return data.person?.residenceProvince?.code ?? null;
    },
    async health(personId) {
      const { data, errors } = await graph.query<HealthAnswer>(HEALTH, { id: personId });
      if (errors.length || !data) unavailable('test results, cases and scheduled tests', errors[0]?.message);
      const person = data.person;
      return {
        // A pooled row is the pool's outcome, not the person's (testing's `latestTest` rule): only a negative pool counts.
        tests: (person?.testResults ?? [])
          .filter((t) => !t.pool || t.result === 'NEGATIVE')
          .map((t) => ({ result: t.result, collectedAt: new Date(t.collectedAt) })),
        caseConfirmations: (person?.cases ?? []).filter((c) => c.status === 'CONFIRMED').map((c) => new Date(c.confirmedAt)),
        f1DueDays: (person?.testSchedule ?? []).filter((s) => s.degree === 'F1').map((s) => s.dueOn),
      };
    },
  };
}

/** Without the graph (a subgraph built alone) nothing can be read: every request fails, none guesses. */
export const noGraphInputs: GraphInputs = {
  people: async () => unavailable('people', 'this subgraph runs without the graph'),
  residenceProvince: async () => unavailable('residence', 'this subgraph runs without the graph'),
  health: async () => unavailable('test results, cases and scheduled tests', 'this subgraph runs without the graph'),
};
