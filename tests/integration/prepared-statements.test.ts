import { afterAll, beforeAll, describe, expect } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { connect, MAX_PREPARED_PARAMETERS, type Database } from '../../subgraphs/shared/db.ts';
import { provinces } from '../../subgraphs/units/db/schema.ts';
import { UnitsRepository } from '../../subgraphs/units/repositories/units.ts';
import { unitsModule } from '../../subgraphs/units/server.ts';
import { createTestDatabase, itWithPostgres, postgresUrl, type TestDatabase } from '../support/services.ts';

/**
 * A subgraph's pool prepares drizzle's statements (subgraphs/shared/db.ts `preparing`): a statement
 * with parameters is a named statement of its connection, also in a transaction, and gives the
 * same rows; a multi-row VALUES past MAX_PREPARED_PARAMETERS parameters stays unnamed, so a
 * connection's statements stay bounded. One connection, so pg_prepared_statements is its own.
 */
describe('prepared statements', () => {
  let database: TestDatabase<typeof unitsModule.tables>;
  let pool: Database<typeof unitsModule.tables>;

  beforeAll(async () => {
    if (!postgresUrl()) return;
    database = await createTestDatabase(unitsModule, 'prepared');
    pool = connect(database.url, unitsModule.tables, 1);
  });
  afterAll(async () => {
    await pool?.close();
    await database?.drop();
  });

  const letter = (n: number) => String.fromCharCode(97 + Math.floor(n));
  const prepared = async () => (await pool.db.execute<{ statement: string }>(sql`select statement from pg_prepared_statements`)).map((r) => r.statement);

  itWithPostgres('prepares a drizzle statement with parameters, in a transaction too, and reads the same rows', async () => {
    await pool.db.insert(provinces).values({ code: '98', name: 'Tỉnh Thử', kind: 'tinh' });
    const byCode = () => pool.db.select({ name: provinces.name }).from(provinces).where(eq(provinces.code, '98'));
    expect(await byCode()).toEqual([{ name: 'Tỉnh Thử' }]);
    expect(await byCode()).toEqual([{ name: 'Tỉnh Thử' }]);
    const select = (await prepared()).filter((s) => s.includes('from "provinces" where "provinces"."code" = $1'));
    expect(select).toHaveLength(1);

    const renamed = await pool.db.transaction(async (tx) => {
      await tx.update(provinces).set({ name: 'Tỉnh Đổi Tên' }).where(eq(provinces.code, '98'));
      return tx.select({ name: provinces.name }).from(provinces).where(eq(provinces.code, '98'));
    });
    expect(renamed).toEqual([{ name: 'Tỉnh Đổi Tên' }]);
    expect((await prepared()).some((s) => s.startsWith('update "provinces" set "name" = $1'))).toBe(true);
  });

  // PostgreSQL keeps re-planning `= any($1)` (never a generic plan), so a batch of one key is sent as
  // `= $1` (shared/sql.ts anyUuid, lookupByKeys): planned once per connection, from its sixth run.
  itWithPostgres('a look-up of one key is planned once (a generic plan); of more keys it gives the same rows', async () => {
    const units = new UnitsRepository(pool.db);
    await pool.db.insert(provinces).values([{ code: '96', name: 'Tỉnh Một', kind: 'tinh' }, { code: '97', name: 'Tỉnh Hai', kind: 'tinh' }]);
    for (let i = 0; i < 8; i++) expect((await units.provincesByCodes(['96'])).map((p) => p.name)).toEqual(['Tỉnh Một']);
    expect((await units.provincesByCodes(['96', '97'])).map((p) => p.name).sort()).toEqual(['Tỉnh Hai', 'Tỉnh Một']);
    const plans = await pool.db.execute<{ statement: string; generic_plans: string }>(
      sql`select statement, generic_plans::text from pg_prepared_statements where statement like '%from "provinces" where "provinces"."code"%'`,
    );
    const one = plans.find((p) => p.statement.includes('"provinces"."code" = $1::text'));
    expect(one, JSON.stringify(plans)).toBeDefined();
    expect(Number(one!.generic_plans)).toBeGreaterThan(0);
    expect(plans.some((p) => p.statement.includes('"provinces"."code" = any($1::text[])'))).toBe(true);
  });

  // A query built once (`.prepare(name)`) without parameters, such as a province's facilities: postgres.js
  // would send it as a simple query, planned on every run; a parameterless statement not asked to be
  // prepared (a migration's script, which may hold several statements) still goes as a simple query.
  itWithPostgres('prepares a named statement without parameters; one not asked to be prepared stays a simple query', async () => {
    await pool.db.insert(provinces).values({ code: '95', name: 'Tỉnh Ba', kind: 'tinh' });
    const all = pool.db.select({ code: provinces.code }).from(provinces).orderBy(provinces.code).prepare('all_province_codes');
    for (let i = 0; i < 3; i++) expect((await all.execute()).map((p) => p.code)).toContain('95');
    const named = (await prepared()).filter((s) => s.startsWith('select "code" from "provinces" order by'));
    expect(named).toHaveLength(1);

    await pool.sql.unsafe(`select count(*) from provinces where code = '95'; select 1`);
    expect((await prepared()).some((s) => s.includes(`code = '95'`))).toBe(false);
  });

  itWithPostgres(`leaves a statement of more than ${MAX_PREPARED_PARAMETERS} parameters unnamed`, async () => {
    const rows = Array.from({ length: MAX_PREPARED_PARAMETERS }, (_, i) => ({ code: `${letter(i / 26)}${letter(i % 26)}`, name: `Tỉnh ${i}`, kind: 'tinh' }));
    await pool.db.insert(provinces).values(rows);
    expect((await prepared()).some((s) => s.startsWith('insert into "provinces"') && s.includes(`$${rows.length * 3}`))).toBe(false);
    const stored = await pool.db.execute<{ n: number }>(sql`select count(*)::int as n from provinces where code ~ '^[a-z]{2}$'`);
    expect(stored[0]?.n).toBe(rows.length);
  });
});
