import type { ExposureDto } from '../repositories/index.ts';

/** The exposures of `exposureColumnsOf` and `firstContactColumnsOf`, one list per asked field. */
export const ExposureColumns = {
  personIds: (rows: ExposureDto[]) => rows.map((e) => e.personId),
  contactIds: (rows: ExposureDto[]) => rows.map((e) => e.contactPersonId),
  venueIds: (rows: ExposureDto[]) => rows.map((e) => e.venueId),
  overlapStarts: (rows: ExposureDto[]) => rows.map((e) => e.overlapStart),
  overlapEnds: (rows: ExposureDto[]) => rows.map((e) => e.overlapEnd),
  overlapMinutes: (rows: ExposureDto[]) => rows.map((e) => e.overlapMinutes),
};
