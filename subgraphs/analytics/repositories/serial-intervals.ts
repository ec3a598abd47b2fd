import { desc } from 'drizzle-orm';
import type { AnalyticsDb, SerialIntervalRow } from '../db/models.ts';
import { serialIntervals } from '../db/schema.ts';
import { COVID19_SERIAL_INTERVAL } from '../epi/index.ts';

export const DEFAULT_SERIAL_INTERVAL_ID = 'covid19-nishiura-2020';

/** Serial intervals stored as data with their source; the latest adopted one is in force. */
export class SerialIntervalRepository {
  constructor(private readonly db: AnalyticsDb) {}

  async inForce(): Promise<SerialIntervalRow> {
    const [row] = await this.db.select().from(serialIntervals).orderBy(desc(serialIntervals.adoptedAt), desc(serialIntervals.id)).limit(1);
    if (!row) throw new Error('no serial interval is stored (the analytics subgraph writes its default at start)');
    return row;
  }

  /** The default (shared by every deployment), written once; a row added later replaces it in force. */
  async ensureDefault(): Promise<void> {
    await this.db
      .insert(serialIntervals)
      .values({ id: DEFAULT_SERIAL_INTERVAL_ID, meanDays: COVID19_SERIAL_INTERVAL.meanDays, sdDays: COVID19_SERIAL_INTERVAL.sdDays, source: COVID19_SERIAL_INTERVAL.source, adoptedAt: new Date(0) })
      .onConflictDoNothing();
  }
}
