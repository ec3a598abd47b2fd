import { afterAll, beforeAll, describe, expect } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { connect, MAX_PREPARED_PARAMETERS, type Database } from '../../subgraphs/shared/db.ts';
import { provinces } from '../../subgraphs/units/db/schema.ts';
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

  itWithPostgres(`leaves a statement of more than ${MAX_PREPARED_PARAMETERS} parameters unnamed`, async () => {
    const rows = Array.from({ length: MAX_PREPARED_PARAMETERS }, (_, i) => ({ code: `${letter(i / 26)}${letter(i % 26)}`, name: `Tỉnh ${i}`, kind: 'tinh' }));
    await pool.db.insert(provinces).values(rows);
    expect((await prepared()).some((s) => s.startsWith('insert into "provinces"') && s.includes(`$${rows.length * 3}`))).toBe(false);
    const stored = await pool.db.execute<{ n: number }>(sql`select count(*)::int as n from provinces where code ~ '^[a-z]{2}$'`);
    expect(stored[0]?.n).toBe(rows.length);
  });
});
