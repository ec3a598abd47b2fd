import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import * as schema from '../db/schema.ts';
import type { CheckinsDb, VenueRow } from '../db/models.ts';
import type { RegisterVenueInput } from '../validation.ts';
import { lookupByKeys, textArray } from '../../shared/sql.ts';
import { BoundedMap } from '../../shared/bounded-map.ts';
import { truncate } from '../../shared/validate.ts';

export type VenueDto = VenueRow;

/** Result objects carry the SDL type name, so a union resolves without a switch. */
export type RegisterVenueResult =
  | { __typename: 'VenueRegistered'; venue: VenueDto }
  | { __typename: 'InvalidVenue'; message: string; field: string }
  | { __typename: 'QrCodeTaken'; message: string; qrCode: string };

/** At most this many venues are kept in a process (VenueRepository.byIds); about 20 MB. */
export const MAX_KNOWN_VENUES = 50_000;

/** Venues and their QR codes. */
export class VenueRepository {
  /**
   * Venues already read, by id. A venue never changes once registered: `register` is
   * insert-or-nothing and nothing else writes the table (no update, no delete), so a row read
   * once stays true in every replica (tests/integration/checkins-venues.test.ts fails the day
   * code updates or deletes one). Every read of a person's check-ins or exposures asked
   * PostgreSQL for their venues again: one statement of the checkins subgraph's 3.5 per
   * every-subgraph read (issue 17's reads bench). Only found rows are kept (a venue registered a
   * moment after a miss is found); past MAX_KNOWN_VENUES the earliest kept goes first.
   */
  private readonly known = new BoundedMap<string, VenueDto>(MAX_KNOWN_VENUES);

  constructor(private readonly db: CheckinsDb) {}

  async byIds(ids: readonly string[]): Promise<VenueDto[]> {
    const found: VenueDto[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const venue = this.known.get(id);
      if (venue) found.push(venue);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const read = await this.byIdsQuery(missing);
    for (const venue of read) found.push(this.remember(venue));
    return found;
  }

  /** Keeps a stored venue (frozen: one object serves every request). */
  private remember(venue: VenueDto): VenueDto {
    if (!this.known.has(venue.id)) {
      Object.freeze(venue);
      this.known.set(venue.id, venue);
    }
    return this.known.get(venue.id)!;
  }

  // Built once (shared/sql.ts lookupByKeys): read with every check-in and exposure of an answer.
  private readonly byIdsQuery = lookupByKeys('uuid', (matches, name) =>
    this.db.select().from(schema.venues).where(matches(schema.venues.id)).prepare(name('venues_by_ids')),
  );

  byQrCodes(qrCodes: readonly string[]): Promise<VenueDto[]> {
    return this.db.select().from(schema.venues).where(sql`${schema.venues.qrCode} = any(${textArray(qrCodes)})`);
  }

  /**
   * Registers a venue. Insert-or-nothing on both the id and the QR code, so a retried registration
   * returns the venue and a taken QR code is reported without relying on a failed statement.
   * The input has passed validation.ts `venueProblem`.
   */
  async register(input: RegisterVenueInput): Promise<RegisterVenueResult> {
    const invalid = (field: string, message: string): RegisterVenueResult => ({ __typename: 'InvalidVenue', message, field });
    const row = {
      id: input.id?.toLowerCase() ?? randomUUID(),
      name: input.name.trim(),
      category: input.category,
      wardCode: input.wardCode,
      provinceCode: input.provinceCode,
      qrCode: input.qrCode,
    };
    const [inserted] = await this.db.insert(schema.venues).values(row).onConflictDoNothing().returning();
    if (inserted) return { __typename: 'VenueRegistered', venue: inserted };

    const [existing] = await this.byIds([row.id]);
    if (existing) {
      const same = existing.name === row.name && existing.category === row.category && existing.wardCode === row.wardCode &&
        existing.provinceCode === row.provinceCode && existing.qrCode === row.qrCode;
      if (same) return { __typename: 'VenueRegistered', venue: existing };
      return invalid('id', `A venue with id ${row.id} is already registered with other details`);
    }
    return { __typename: 'QrCodeTaken', message: `QR code "${truncate(row.qrCode)}" already belongs to another venue`, qrCode: row.qrCode };
  }
}
