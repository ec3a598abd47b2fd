import type { VaccinationStatus } from './db/schema.ts';

/**
 * The vaccines Viet Nam used in its COVID-19 campaign, with the doses of each primary series:
 * written into `vaccine_products` at every start (the module's `prepare`); the table is the truth.
 */
export const DEFAULT_PRODUCTS = [
  { code: 'COMIRNATY', name: 'Comirnaty (Pfizer-BioNTech)', manufacturer: 'Pfizer-BioNTech', dosesInPrimarySeries: 2 },
  { code: 'SPIKEVAX', name: 'Spikevax (Moderna)', manufacturer: 'Moderna', dosesInPrimarySeries: 2 },
  { code: 'VAXZEVRIA', name: 'Vaxzevria (AstraZeneca)', manufacturer: 'AstraZeneca', dosesInPrimarySeries: 2 },
  { code: 'COVILO', name: 'Covilo (Sinopharm BIBP)', manufacturer: 'Sinopharm (Beijing Institute of Biological Products)', dosesInPrimarySeries: 2 },
  { code: 'ABDALA', name: 'Abdala', manufacturer: 'Center for Genetic Engineering and Biotechnology (CIGB), Cuba', dosesInPrimarySeries: 3 },
  { code: 'SPUTNIK_V', name: 'Sputnik V (Gam-COVID-Vac)', manufacturer: 'Gamaleya Research Institute', dosesInPrimarySeries: 2 },
  { code: 'JANSSEN', name: 'COVID-19 Vaccine Janssen (Ad26.COV2.S)', manufacturer: 'Janssen (Johnson & Johnson)', dosesInPrimarySeries: 1 },
] as const;

/** What the status rule needs of a dose. */
export interface SeriesDose {
  productCode: string;
  doseNumber: number;
  administeredAt: Date;
}

/**
 * A person's status from their doses (the rule the SDL's `VaccinationStatus` documents). The
 * series is that of the product of the first dose (lowest number, then earliest): mixed products
 * count toward it, as Viet Nam's mix-and-match schedules did. Dose numbers are the site's; a
 * number repeated (two records of one dose) counts once.
 */
export function statusOf(doses: readonly SeriesDose[], seriesOf: (productCode: string) => number): VaccinationStatus {
  if (doses.length === 0) return 'NONE';
  const first = [...doses].sort((a, b) => a.doseNumber - b.doseNumber || a.administeredAt.getTime() - b.administeredAt.getTime())[0]!;
  const series = seriesOf(first.productCode);
  const primary = new Set(doses.filter((d) => d.doseNumber <= series).map((d) => d.doseNumber));
  if (primary.size < series) return 'PARTIAL';
  return doses.some((d) => d.doseNumber > series) ? 'BOOSTED' : 'FULL';
}
