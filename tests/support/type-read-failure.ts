/**
 * Run in a process of its own by tests/integration/checkins-connection-loss.test.ts, with a
 * database URL: a pool made by connect() (shared/db.ts) whose first connection fails to read the
 * array types (pg_type is locked past the statement timeout). postgres.js 3.4.9 drops that read's
 * promise, and its rejection ended the process (porsager/postgres#1192): patched at install
 * (patches/postgres+3.4.9.patch), it must survive and print "survived". It does not listen for
 * unhandled rejections, as no service does.
 */
import postgres from 'postgres';
import { connect } from '../../subgraphs/shared/db.ts';

const url = new URL(process.argv[2]!);
const locker = postgres(url.toString(), { max: 1, onnotice: () => {} });
const holder = await locker.reserve();
await holder`begin`;
await holder`lock table pg_catalog.pg_type in access exclusive mode`;
url.searchParams.set('statement_timeout', '200'); // postgres.js sends unknown URL parameters as settings
const pool = connect(url.toString(), {});
const failed = await pool.sql`select 1`.then(
  () => false,
  () => true,
);
await holder`rollback`;
holder.release();
await new Promise((resolve) => setTimeout(resolve, 300)); // the dropped rejection surfaces meanwhile
await pool.close();
await locker.end();
console.log(failed ? 'survived' : 'the read of the array types did not fail');
