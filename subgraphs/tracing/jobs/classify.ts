import type { ContactInput } from '../repositories/index.ts';

/** One exposure as the checkins subgraph reports it: `subjectId` met `contactId` at a venue. */
export interface ExposureFact {
  subjectId: string;
  contactId: string;
  venueId: string;
  overlapStart: Date;
  overlapEnd: Date;
  overlapMinutes: number;
}

export interface ClassificationRule {
  minOverlapMinutes: number;
  traceF2: boolean;
}

/**
 * F1: everyone the case met (its exposures are already limited to the infectious window and the
 * minimum overlap). Each F1 is kept with their earliest exposure: the moment they may have been
 * infected. F2: everyone an F1 met after that moment, for at least the minimum overlap counted
 * from that moment; never the case itself or an F1. Each F2 keeps their earliest such exposure.
 * Pure, so the brute-force oracle in the tests checks exactly this definition.
 */
export function classifyContacts(casePersonId: string, f1Exposures: ExposureFact[], f2Exposures: ExposureFact[], rule: ClassificationRule): ContactInput[] {
  const f1 = earliestPerContact(f1Exposures.filter((e) => e.subjectId === casePersonId && e.contactId !== casePersonId));
  const contacts: ContactInput[] = [...f1.values()].map((e) => toContact(e, 'F1', null));
  if (!rule.traceF2) return contacts;

  const f2Candidates: ExposureFact[] = [];
  for (const e of f2Exposures) {
    const infected = f1.get(e.subjectId)?.overlapStart;
    if (!infected || e.contactId === casePersonId || f1.has(e.contactId)) continue;
    // Only the part of the overlap after the F1 was exposed counts.
    const start = new Date(Math.max(e.overlapStart.getTime(), infected.getTime()));
    const minutes = Math.floor((e.overlapEnd.getTime() - start.getTime()) / 60_000);
    if (e.overlapEnd <= start || minutes < rule.minOverlapMinutes) continue;
    f2Candidates.push({ ...e, overlapStart: start, overlapMinutes: minutes });
  }
  for (const e of earliestPerContact(f2Candidates).values()) contacts.push(toContact(e, 'F2', e.subjectId));
  return contacts;
}

function earliestPerContact(exposures: ExposureFact[]): Map<string, ExposureFact> {
  const byContact = new Map<string, ExposureFact>();
  for (const e of exposures) {
    const known = byContact.get(e.contactId);
    const earlier = !known || e.overlapStart < known.overlapStart || (+e.overlapStart === +known.overlapStart && e.subjectId < known.subjectId);
    if (earlier) byContact.set(e.contactId, e);
  }
  return byContact;
}

function toContact(e: ExposureFact, degree: 'F1' | 'F2', via: string | null): ContactInput {
  return {
    personId: e.contactId,
    degree,
    viaPersonId: via,
    venueId: e.venueId,
    overlapStart: e.overlapStart,
    overlapEnd: e.overlapEnd,
    overlapMinutes: e.overlapMinutes,
  };
}
