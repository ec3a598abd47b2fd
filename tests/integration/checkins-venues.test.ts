import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkinsModule } from '../../subgraphs/checkins/server.ts';
import { MAX_KNOWN_VENUES, VenueRepository } from '../../subgraphs/checkins/repositories/venues.ts';
import { createTestDatabase, itWithPostgres, type TestDatabase } from '../support/services.ts';

/**
 * A venue never changes once registered, so the checkins subgraph reads each one from PostgreSQL
 * once per process (VenueRepository.byIds): the check-ins and exposures of every later read name
 * it without a statement. These tests change a row behind the repository's back, which the hub
 * never does, to see which answers came from PostgreSQL.
 */
describe('venues are read once per process', () => {
  let database: TestDatabase<typeof checkinsModule.tables>;

  beforeAll(async () => {
    database = await createTestDatabase(checkinsModule, 'venuesonce');
  });
  afterAll(async () => {
    await database?.drop();
  });

  const venueId = (n: number) => `7e000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const register = (repository: VenueRepository, n: number) =>
    repository.register({ id: venueId(n), name: `Chợ ${n}`, category: 'MARKET', wardCode: '26734', provinceCode: '79', qrCode: `QR-ONCE-${n}` });
  const rename = (n: number, name: string) => database.sql`update venues set name = ${name} where id = ${venueId(n)}`;

  itWithPostgres('a venue read once is answered from memory; a missing one is read again until it exists', async () => {
    const repository = new VenueRepository(database.db);
    await register(repository, 1);
    expect((await repository.byIds([venueId(1)])).map((v) => v.name)).toEqual(['Chợ 1']);
    await rename(1, 'changed behind the hub');
    expect((await repository.byIds([venueId(1)])).map((v) => v.name)).toEqual(['Chợ 1']);
    // Another process (a fresh repository) reads the table.
    expect((await new VenueRepository(database.db).byIds([venueId(1)])).map((v) => v.name)).toEqual(['changed behind the hub']);

    expect(await repository.byIds([venueId(2)])).toEqual([]);
    await register(new VenueRepository(database.db), 2);
    const both = await repository.byIds([venueId(1), venueId(2)]);
    expect(both.map((v) => [v.id, v.name]).sort()).toEqual([[venueId(1), 'Chợ 1'], [venueId(2), 'Chợ 2']]);
    expect(Object.isFrozen(both[0])).toBe(true);
  });

  itWithPostgres(`keeps at most ${MAX_KNOWN_VENUES} venues, dropping the earliest kept`, async () => {
    const repository = new VenueRepository(database.db);
    await register(repository, 3);
    await repository.byIds([venueId(3)]);
    const first = 100_000;
    await database.sql.unsafe(`
      insert into venues (id, name, category, ward_code, province_code, qr_code)
      select ('7e000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'Quán ' || i, 'RESTAURANT', '26734', '79', 'QR-MANY-' || i
      from generate_series(${first}, ${first + MAX_KNOWN_VENUES - 1}) i`);
    const many = Array.from({ length: MAX_KNOWN_VENUES }, (_, i) => venueId(first + i));
    expect(await repository.byIds(many)).toHaveLength(MAX_KNOWN_VENUES);
    await rename(3, 'read again');
    await rename(first + MAX_KNOWN_VENUES - 1, 'still kept');
    expect((await repository.byIds([venueId(3), venueId(first + MAX_KNOWN_VENUES - 1)])).map((v) => v.name).sort()).toEqual(['Quán ' + (first + MAX_KNOWN_VENUES - 1), 'read again']);
  });

  it('rests on no code changing or removing a venue: the day some does, this fails', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const sources = ['subgraphs', 'scripts', 'hub', 'workers'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => join(dir, file)),
    );
    expect(sources.length).toBeGreaterThan(100);
    const writesVenues = /update\(\s*(schema\.)?venues\b|delete\(\s*(schema\.)?venues\b|update\s+venues\b|delete\s+from\s+venues\b|truncate\b[^;]*\bvenues\b/i;
    expect(sources.filter((file) => writesVenues.test(readFileSync(join(root, file), 'utf8')))).toEqual([]);
    // The pattern finds such code where it would be written.
    expect(writesVenues.test('await tx.update(schema.venues).set({ name })')).toBe(true);
    expect(writesVenues.test("sql`delete from venues where id = ${id}`")).toBe(true);
  });
});
