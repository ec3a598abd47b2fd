import { DEMO_PEOPLE, demoTime } from '../shared/demo.ts';
import type { VaccinationDb } from './db/models.ts';
import { DoseRepository } from './repositories/index.ts';
import type { DoseRecord } from './validation.ts';

export const DEMO_VACCINATION_SITE = 'site-demo-vnvc';

/** Demo vaccination sites, one per demo province (ids of the province shards' VaccinationSite entity). */
export const demoVaccinationSiteId = (provinceCode: string) => `ace00000-00${provinceCode}-4000-8000-000000000001`;

/**
 * The demo doses of the site account `site-demo-vnvc`, given at each demo person's home province:
 * An boosted (two Comirnaty and a Spikevax), Bình full (two Vaxzevria), Châu partial (one Covilo,
 * recorded with her pre-2025 ward code), Dũng full (one Janssen), Long full (three Abdala); Hà has
 * none. Idempotent (the site's record ids), so it runs at every start.
 */
export async function seedVaccinationDemo(db: VaccinationDb, now = new Date()) {
  const { an, binh, chau, dung, long } = DEMO_PEOPLE;
  const dose = (person: (typeof DEMO_PEOPLE)[keyof typeof DEMO_PEOPLE], n: number, productCode: string, daysAgo: number): DoseRecord => ({
    source: DEMO_VACCINATION_SITE,
    recordId: `DEMO-${person.id.slice(-4)}-${n}`,
    personId: person.id,
    productCode,
    doseNumber: n,
    administeredAt: demoTime(now, daysAgo, 2),
    lot: `LOT-${productCode.slice(0, 3)}-${100 + n}`,
    siteProvinceCode: person.provinceCode,
    siteId: demoVaccinationSiteId(person.provinceCode),
    wardCode: person.wardCode,
    provinceCode: person.provinceCode,
    legacyWardCode: null,
    birthYear: person.birthYear,
  });
  await new DoseRepository(db).record([
    dose(an, 1, 'COMIRNATY', 400), dose(an, 2, 'COMIRNATY', 370), dose(an, 3, 'SPIKEVAX', 200),
    dose(binh, 1, 'VAXZEVRIA', 380), dose(binh, 2, 'VAXZEVRIA', 300),
    // Châu's record named Phường Ba Đình by its pre-2025 code (00004), which became the current 00004.
    { ...dose(chau, 1, 'COVILO', 250), legacyWardCode: '00004' },
    dose(dung, 1, 'JANSSEN', 240),
    dose(long, 1, 'ABDALA', 330), dose(long, 2, 'ABDALA', 316), dose(long, 3, 'ABDALA', 240),
  ]);
}
