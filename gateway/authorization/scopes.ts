import type { Identity, Role } from '../../subgraphs/shared/identity.ts';
import type { Caller } from './requirements.ts';

/**
 * The hub's scopes and what they open. The fields carry them in the subgraph SDL as
 * `@requiresScopes(scopes: [["…"]])`; this list is documentation and the test that no SDL names
 * a scope outside it (a typo would otherwise lock a field for everyone but national officials).
 */
export const SCOPES = {
  'people:read': 'Query.person, Query.findPerson, Query.people, Query.knownPersonIds (services only)',
  'declarations:write': 'Mutation.registerPerson, Mutation.submitDeclaration',
  'venues:read': 'Query.venue, Query.venueByQr',
  'venues:write': 'Mutation.registerVenue',
  'checkins:write': 'Mutation.checkIn, Mutation.checkOut, Mutation.recordCheckIns',
  'exposures:read': 'Query.exposuresOf, Query.firstContactsOf, Person.checkIns, Person.exposures, Venue.checkIns',
  'cases:read': 'Query.case, Query.cases, Query.contact, Person.cases, Person.contactStatus',
  'cases:write': 'Mutation.confirmCase, Mutation.rejectCase',
  'tasks:read': 'Query.tracingTask, Province.tracingTasks',
  'tasks:write': 'Mutation.acceptTracingTask, Mutation.acceptTracingTasks, Mutation.withdrawTracingTasks, Mutation.assignTracer, Mutation.updateTracingTask',
  'facilities:write': 'Mutation.setFacilityOccupancy',
  'tests:read': 'Query.testResult, Person.testResults, Person.latestTest, Person.testSchedule, Contact.testSchedule, TracingTask.testSchedule, Province.testingSchedule, TestingSite.results, TestingSite.summary (TestResult and ScheduledTest wherever reached)',
  'tests:write': 'Mutation.recordTestResults',
  'schedules:write': 'Mutation.scheduleTests, Mutation.cancelTestSchedules',
  'vaccinations:read': 'Query.dose, Person.vaccinations, Person.vaccinationStatus (Dose wherever reached), Mutation.reportAdverseEvent (own doses)',
  'vaccinations:write': 'Mutation.recordVaccinations, Mutation.reportAdverseEvent',
  'coverage:read': 'Query.vaccinationCoverage',
  'certificates:write': 'Mutation.revokeVaccinationCertificate',
  'audit:read': 'Query.auditTrail (reads of identity data), Query.healthAuditTrail (reads of cases and contact status), Query.movementAuditTrail (reads of check-ins and exposures), Query.tracingTaskAuditTrail (reads of a province\'s tracing tasks and tracers), Query.testResultAuditTrail (reads of test results and schedules)',
} as const;

export type Scope = keyof typeof SCOPES;

/**
 * Scopes each role has without the token naming them. A token's own `scopes` claim adds to these
 * (a partner has only those). Jurisdiction, ownership and masking are separate: they are enforced
 * where the data is (a province official with `people:read` still reads only their provinces).
 */
export const ROLE_SCOPES: Readonly<Record<Role, 'all' | readonly Scope[]>> = {
  national_official: 'all',
  province_official: [
    'people:read',
    'declarations:write',
    'venues:read',
    'venues:write',
    'exposures:read',
    'cases:read',
    'cases:write',
    'tasks:read',
    'tasks:write',
    'facilities:write',
    'tests:read',
    'vaccinations:read',
    'coverage:read',
    'certificates:write',
  ],
  tracer: ['people:read', 'declarations:write', 'venues:read', 'exposures:read', 'cases:read', 'tasks:read', 'tasks:write', 'tests:read', 'vaccinations:read'],
  // Their own records only (enforced in the subgraphs); scanning apps are partners with checkins:write, labs with tests:write, vaccination sites with vaccinations:write.
  citizen: ['people:read', 'declarations:write', 'venues:read', 'tests:read', 'vaccinations:read'],
  // What the workers ask the graph: exposuresOf, people (home provinces, and confirmCase's check
  // that the person exists, and the testing subgraph's that an upload's people exist),
  // acceptTracingTasks and scheduleTests (tracing runs), withdrawTracingTasks and
  // cancelTestSchedules (a rejected case's withdrawal), confirmCase
  // (the testing jobs' automatic cases, and which case their result joined: cases:read), and the
  // health pass's inputs (the person's test results, scheduled tests and cases: tests:read).
  service: ['people:read', 'exposures:read', 'tasks:write', 'schedules:write', 'cases:read', 'cases:write', 'tests:read'],
  partner: [],
};

/** The caller's effective scopes: the role's implicit ones plus the token's. */
export function callerOf(identity: Identity | undefined): Caller {
  if (!identity) return { authenticated: false, allScopes: false, scopes: new Set() };
  const implicit = ROLE_SCOPES[identity.role];
  if (implicit === 'all') return { authenticated: true, allScopes: true, scopes: new Set(identity.scopes) };
  return { authenticated: true, allScopes: false, scopes: new Set<string>([...implicit, ...identity.scopes]) };
}

/** A key for caches: callers with the same key get the same verdicts. */
export function callerKey(caller: Caller): string {
  if (!caller.authenticated) return '-';
  if (caller.allScopes) return '*';
  return [...caller.scopes].sort().join(' ');
}
