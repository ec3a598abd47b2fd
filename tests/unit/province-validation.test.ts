import { describe, expect, it } from 'vitest';
import {
  checkAcceptBatch,
  checkAcceptInput,
  checkTaskUpdate,
  dueAtProblem,
  MAX_ACCEPT_BATCH,
  MAX_NOTE_LENGTH,
  occupancyProblem,
} from '../../subgraphs/province/validation.ts';

const input = {
  contactId: 'AAAAAAAA-0000-4000-8000-000000000001',
  caseId: 'aaaaaaaa-0000-4000-8000-000000000002',
  personId: 'aaaaaaaa-0000-4000-8000-000000000003',
  degree: 'F1' as const,
  wardCode: '26737',
};

describe('province input checks', () => {
  it('lower-cases the IDs of an accepted contact and names the bad field by its path', () => {
    expect(checkAcceptInput(input, 'input')).toEqual({ ...input, contactId: input.contactId.toLowerCase(), dueAt: null });
    expect(() => checkAcceptInput({ ...input, wardCode: '267' }, 'input')).toThrow(/input\.wardCode must be a five-digit ward code/);
    expect(() => checkAcceptBatch([input, { ...input, caseId: 'x' }])).toThrow(/inputs\[1\]\.caseId must be a UUID/);
    expect(() => checkAcceptBatch(Array.from({ length: MAX_ACCEPT_BATCH + 1 }, () => input))).toThrow('At most 2000 contacts per call.');
  });

  it('wants a status or a note, the note trimmed and neither blank nor too long', () => {
    expect(checkTaskUpdate('CONTACTED', undefined)).toEqual({ status: 'CONTACTED', note: null });
    expect(checkTaskUpdate(null, '  called twice ')).toEqual({ status: null, note: 'called twice' });
    expect(() => checkTaskUpdate(null, null)).toThrow('Give a status, a note or both.');
    expect(() => checkTaskUpdate('CLOSED', '   ')).toThrow('note must not be blank.');
    expect(() => checkTaskUpdate(null, 'x'.repeat(MAX_NOTE_LENGTH + 1))).toThrow(`note must be at most ${MAX_NOTE_LENGTH} characters.`);
  });

  it('refuses a due time in the past beyond the clock skew, and an occupancy outside 0..capacity', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(dueAtProblem(new Date('2026-01-01T11:56:00Z'), now)).toBeNull();
    expect(dueAtProblem(new Date('2026-01-01T11:00:00Z'), now)).toMatch(/is in the past/);
    expect(occupancyProblem(150, 150)).toBeNull();
    expect(occupancyProblem(151, 150)).toBe("Occupancy must be between 0 and the facility's capacity of 150 beds; got 151.");
    expect(occupancyProblem(-1, 150)).not.toBeNull();
    expect(occupancyProblem(1.5, 150)).not.toBeNull();
  });
});
