/**
 * Fixed identifiers of the demo data that `npm start` seeds into every subgraph, so that the
 * records of different subgraphs refer to each other (a check-in's person is a declarations
 * person). Times are relative to the moment of seeding: see `demoTime`.
 */
export const DEMO_PEOPLE = {
  an: { id: '0b6f3c1e-0000-4000-8000-000000000001', fullName: 'Nguyễn Văn An', birthYear: 1985, phone: '0901000001', nationalId: '079085000001', provinceCode: '79', wardCode: '26740' },
  binh: { id: '0b6f3c1e-0000-4000-8000-000000000002', fullName: 'Trần Thị Bình', birthYear: 1990, phone: '0901000002', nationalId: '079190000002', provinceCode: '79', wardCode: '26743' },
  chau: { id: '0b6f3c1e-0000-4000-8000-000000000003', fullName: 'Lê Minh Châu', birthYear: 1978, phone: '0912000003', nationalId: '001078000003', provinceCode: '01', wardCode: '00004' },
  dung: { id: '0b6f3c1e-0000-4000-8000-000000000004', fullName: 'Phạm Quốc Dũng', birthYear: 1995, phone: '0987000004', nationalId: '024095000004', provinceCode: '24', wardCode: '09187' },
  ha: { id: '0b6f3c1e-0000-4000-8000-000000000005', fullName: 'Hoàng Thu Hà', birthYear: 2001, phone: '0901000005', nationalId: '079301000005', provinceCode: '79', wardCode: '27343' },
  long: { id: '0b6f3c1e-0000-4000-8000-000000000006', fullName: 'Võ Thành Long', birthYear: 1969, phone: '0912000006', nationalId: '001069000006', provinceCode: '01', wardCode: '00070' },
} as const;

export const DEMO_VENUES = {
  benThanhMarket: { id: '5e7a9d20-0000-4000-8000-000000000001', name: 'Chợ Bến Thành', category: 'MARKET', provinceCode: '79', wardCode: '26743', qrCode: 'VN-79-CBT-0001' },
  hoanKiemRestaurant: { id: '5e7a9d20-0000-4000-8000-000000000002', name: 'Nhà hàng Hồ Gươm', category: 'RESTAURANT', provinceCode: '01', wardCode: '00070', qrCode: 'VN-01-NHG-0002' },
  kinhBacSupermarket: { id: '5e7a9d20-0000-4000-8000-000000000003', name: 'Siêu thị Kinh Bắc', category: 'SHOP', provinceCode: '24', wardCode: '09187', qrCode: 'VN-24-SKB-0003' },
} as const;

/** One confirmed case (F0): Nguyễn Văn An. */
export const DEMO_CASE = { id: 'c45e0f00-0000-4000-8000-000000000001', personId: DEMO_PEOPLE.an.id, provinceCode: '79' } as const;

/** Demo timestamps: `days` days before `now`, at hour:minute UTC of that day. */
export function demoTime(now: Date, days: number, hour: number, minute = 0): Date {
  const at = new Date(now);
  at.setUTCDate(at.getUTCDate() - days);
  at.setUTCHours(hour, minute, 0, 0);
  return at;
}

/**
 * The demo check-ins, by person and venue:
 * - An (F0) and Bình overlap 60 min at Chợ Bến Thành; Châu (visiting from Hà Nội) overlaps 30 min;
 *   Long arrives after An left (no overlap).
 * - The next day Châu and Dũng (Bắc Ninh) overlap 45 min at Nhà hàng Hồ Gươm: Dũng is an F2.
 */
export function demoCheckIns(now: Date) {
  const P = DEMO_PEOPLE;
  const V = DEMO_VENUES;
  const id = (n: number) => `c4ec0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return [
    { id: id(1), personId: P.an.id, venueId: V.benThanhMarket.id, checkedInAt: demoTime(now, 3, 2, 0), checkedOutAt: demoTime(now, 3, 4, 0) },
    { id: id(2), personId: P.binh.id, venueId: V.benThanhMarket.id, checkedInAt: demoTime(now, 3, 3, 0), checkedOutAt: demoTime(now, 3, 5, 0) },
    { id: id(3), personId: P.chau.id, venueId: V.benThanhMarket.id, checkedInAt: demoTime(now, 3, 3, 30), checkedOutAt: demoTime(now, 3, 4, 30) },
    { id: id(4), personId: P.long.id, venueId: V.benThanhMarket.id, checkedInAt: demoTime(now, 3, 4, 10), checkedOutAt: demoTime(now, 3, 5, 0) },
    { id: id(5), personId: P.chau.id, venueId: V.hoanKiemRestaurant.id, checkedInAt: demoTime(now, 2, 11, 0), checkedOutAt: demoTime(now, 2, 12, 0) },
    { id: id(6), personId: P.dung.id, venueId: V.hoanKiemRestaurant.id, checkedInAt: demoTime(now, 2, 11, 15), checkedOutAt: demoTime(now, 2, 13, 0) },
    { id: id(7), personId: P.ha.id, venueId: V.kinhBacSupermarket.id, checkedInAt: demoTime(now, 1, 8, 0), checkedOutAt: demoTime(now, 1, 8, 40) },
  ];
}

export const DEMO_PROVINCE_CODES = ['01', '24', '79'] as const;
