import { DEMO_CASE, demoTime } from '../shared/demo.ts';
import type { TracingDb } from './db/models.ts';
import { CaseRepository, ContactRuleRepository } from './repositories/index.ts';
import { DEFAULT_CONTACT_RULE } from './rules.ts';

/**
 * The demo case (F0): Nguyễn Văn An, confirmed in province 79 one hour before `now`, onset the
 * day before. Idempotent (fixed id), so it runs at every start. Its run stays QUEUED here; the
 * tracing worker piece picks it up.
 */
export async function seedTracingDemo(db: TracingDb, now = new Date()) {
  await new ContactRuleRepository(db).ensureDefault();
  return new CaseRepository(db).confirm({
    id: DEMO_CASE.id,
    personId: DEMO_CASE.personId,
    provinceCode: DEMO_CASE.provinceCode,
    confirmedAt: new Date(now.getTime() - 60 * 60 * 1000),
    // The start (00:00 UTC) of the day before `now`, not exactly 24 h before: the infectious window
    // then opens at 00:00 UTC three days back, so the demo check-ins at Chợ Bến Thành (02:00–04:00
    // UTC three days back, shared/demo.ts) fall inside it whatever the time of day of `now`.
    onsetAt: demoTime(now, 1, 0, 0),
    ruleName: DEFAULT_CONTACT_RULE.name,
  });
}
