import { describe, expect, it } from 'vitest';
import { DEFAULT_PRODUCTS, statusOf, type SeriesDose } from '../../subgraphs/vaccination/products.ts';
import { validateDose, type DoseInput } from '../../subgraphs/vaccination/validation.ts';

const series = new Map<string, number>(DEFAULT_PRODUCTS.map((p) => [p.code, p.dosesInPrimarySeries]));
const seriesOf = (code: string) => series.get(code)!;
let day = 0;
const dose = (productCode: string, doseNumber: number): SeriesDose => ({ productCode, doseNumber, administeredAt: new Date(Date.UTC(2021, 6, 1 + 30 * day++)) });

describe('vaccination: the status rule', () => {
  it('follows the schedule of the first dose\'s product', () => {
    expect(statusOf([], seriesOf)).toBe('NONE');
    expect(statusOf([dose('COMIRNATY', 1)], seriesOf)).toBe('PARTIAL');
    expect(statusOf([dose('COMIRNATY', 1), dose('COMIRNATY', 2)], seriesOf)).toBe('FULL');
    expect(statusOf([dose('COMIRNATY', 1), dose('COMIRNATY', 2), dose('SPIKEVAX', 3)], seriesOf)).toBe('BOOSTED');
    expect(statusOf([dose('JANSSEN', 1)], seriesOf)).toBe('FULL');
    expect(statusOf([dose('JANSSEN', 1), dose('COMIRNATY', 2)], seriesOf)).toBe('BOOSTED');
    expect(statusOf([dose('ABDALA', 1), dose('ABDALA', 2)], seriesOf)).toBe('PARTIAL');
    expect(statusOf([dose('ABDALA', 1), dose('ABDALA', 2), dose('ABDALA', 3)], seriesOf)).toBe('FULL');
  });

  it('counts mixed products toward the series, a repeated dose number once, a booster only after a full series', () => {
    expect(statusOf([dose('VAXZEVRIA', 1), dose('COMIRNATY', 2)], seriesOf)).toBe('FULL');
    // Abdala first: a second dose of a two-dose product does not complete a three-dose series.
    expect(statusOf([dose('ABDALA', 1), dose('COMIRNATY', 2)], seriesOf)).toBe('PARTIAL');
    expect(statusOf([dose('COMIRNATY', 1), dose('COMIRNATY', 1)], seriesOf)).toBe('PARTIAL');
    // Dose 2 missing from the records: a dose numbered 3 is not a booster of an incomplete series.
    expect(statusOf([dose('COMIRNATY', 1), dose('COMIRNATY', 3)], seriesOf)).toBe('PARTIAL');
    // The first dose is the lowest number, whatever the order of the records.
    expect(statusOf([dose('COMIRNATY', 2), dose('JANSSEN', 1)], seriesOf)).toBe('BOOSTED');
  });
});

describe('vaccination: the checks of one uploaded dose', () => {
  const NOW = new Date('2025-08-01T10:00:00Z');
  const products = new Set(series.keys());
  const input = (patch: Partial<DoseInput> = {}): DoseInput => ({
    recordId: 'R-1', personId: '0B6F3C1E-0000-4000-8000-00000000000A', product: 'COMIRNATY', doseNumber: 1,
    administeredAt: new Date('2025-07-01T02:00:00Z'), wardCode: '26740', birthYear: 1990, ...patch,
  });
  const rejection = (patch: Partial<DoseInput>) => {
    const checked = validateDose(input(patch), 'site-a', products, NOW);
    return checked.ok ? null : [checked.rejection.code, checked.rejection.field];
  };

  it('accepts a valid row under the uploader\'s name, ids lower-cased', () => {
    expect(validateDose(input({ lot: ' FK12 ' }), 'site-a', products, NOW)).toMatchObject({
      ok: true, dose: { source: 'site-a', personId: '0b6f3c1e-0000-4000-8000-00000000000a', lot: 'FK12', wardCode: '26740', legacyWardCode: null },
    });
  });

  it('refuses each kind of bad row with its code and field', () => {
    expect(rejection({ recordId: ' ' })).toEqual(['BAD_ROW', 'recordId']);
    expect(rejection({ personId: 'x' })).toEqual(['BAD_ROW', 'personId']);
    expect(rejection({ product: 'SINOVAC' })).toEqual(['UNKNOWN_PRODUCT', 'product']);
    expect(rejection({ doseNumber: 11 })).toEqual(['BAD_ROW', 'doseNumber']);
    expect(rejection({ lot: '' })).toEqual(['BAD_ROW', 'lot']);
    expect(rejection({ site: { province: '79', id: 'x' } })).toEqual(['UNKNOWN_VACCINATION_SITE', 'site']);
    expect(rejection({ legacyWardCode: '00001' })).toEqual(['BAD_ROW', 'wardCode']);
    expect(rejection({ wardCode: null })).toEqual(['BAD_ROW', 'wardCode']);
    expect(rejection({ wardCode: '2674' })).toEqual(['UNKNOWN_WARD', 'wardCode']);
    expect(rejection({ wardCode: null, legacyWardCode: 'abcde' })).toEqual(['UNKNOWN_WARD', 'legacyWardCode']);
    expect(rejection({ birthYear: 2026 })).toEqual(['BAD_ROW', 'birthYear']);
    expect(rejection({ administeredAt: new Date('2025-08-01T10:06:00Z') })).toEqual(['TIME_IN_FUTURE', 'administeredAt']);
  });
});
