import type { NewQuarantineFacility, NewTestingSite, NewTracer, NewTracerTeam, NewZone } from './db/models.ts';

/**
 * Demo data for the three demo provinces (01 Hà Nội, 24 Bắc Ninh, 79 TP. Hồ Chí Minh), seeded by
 * `npm start`. Facilities, sites, teams, people and phone numbers are fictional; the wards are the
 * real demo wards of the units directory (subgraphs/units/directory.ts DEMO_WARDS). Identifiers
 * are fixed so that a restart seeds nothing twice and other demos can refer to them.
 */

/** `fac00000-0079-4000-8000-000000000001`: a UUID-shaped constant per kind, province and number. */
export function demoId(kind: 'facility' | 'testingSite' | 'team' | 'tracer' | 'zone', provinceCode: string, n: number): string {
  const prefix = { facility: 'fac00000', testingSite: 'e5700000', team: '7ea00000', tracer: '7ace0000', zone: '20e00000' }[kind];
  return `${prefix}-00${provinceCode}-4000-8000-${String(n).padStart(12, '0')}`;
}

export interface ProvinceDemo {
  hotline: string;
  facilities: Array<NewQuarantineFacility & { id: string }>;
  testingSites: Array<NewTestingSite & { id: string }>;
  team: NewTracerTeam & { id: string; wardCodes: string[] };
  tracers: Array<NewTracer & { id: string }>;
  zones: Array<NewZone & { id: string; wardCodes: string[] }>;
}

const DAY_MS = 24 * 60 * 60_000;

export function provinceDemoData(provinceCode: string, now: Date): ProvinceDemo | null {
  const id = (kind: Parameters<typeof demoId>[0], n: number) => demoId(kind, provinceCode, n);
  const team = (name: string, wardCodes: string[], members: Array<[string, string]>) => ({
    team: { id: id('team', 1), name, wardCodes },
    tracers: members.map(([fullName, phone], i) => ({ id: id('tracer', i + 1), teamId: id('team', 1), fullName, phone })),
  });

  switch (provinceCode) {
    case '01':
      return {
        hotline: '024 3300 0115',
        facilities: [
          { id: id('facility', 1), name: 'Khu cách ly tập trung Nhà khách Ba Đình', wardCode: '00004', address: 'Số 12 phố Đội Cấn, Phường Ba Đình, Hà Nội', capacity: 120, occupied: 87 },
          { id: id('facility', 2), name: 'Khu cách ly tập trung Ký túc xá Hoàn Kiếm', wardCode: '00070', address: 'Số 40 phố Hàng Bài, Phường Hoàn Kiếm, Hà Nội', capacity: 200, occupied: 200 },
        ],
        testingSites: [
          { id: id('testingSite', 1), name: 'Điểm xét nghiệm Trạm Y tế Phường Ngọc Hà', wardCode: '00008', address: 'Số 7 phố Hoàng Hoa Thám, Phường Ngọc Hà, Hà Nội', openingHours: '07:00–17:00, thứ Hai – thứ Bảy' },
        ],
        ...team('Tổ truy vết số 1 – CDC Hà Nội', ['00004', '00008', '00070'], [
          ['Đỗ Thị Lan', '0912100101'],
          ['Bùi Văn Nam', '0912100102'],
        ]),
        zones: [],
      };
    case '24':
      return {
        hotline: '0222 300 0115',
        facilities: [
          { id: id('facility', 1), name: 'Khu cách ly tập trung Trường Cao đẳng Y tế Kinh Bắc', wardCode: '09187', address: 'Đường Nguyễn Văn Cừ, Phường Kinh Bắc, Bắc Ninh', capacity: 250, occupied: 96 },
          { id: id('facility', 2), name: 'Khu cách ly tập trung Ký túc xá Võ Cường', wardCode: '09190', address: 'Đường Lý Thái Tổ, Phường Võ Cường, Bắc Ninh', capacity: 180, occupied: 40 },
        ],
        testingSites: [
          { id: id('testingSite', 1), name: 'Điểm xét nghiệm Trung tâm Y tế Phường Bắc Giang', wardCode: '07210', address: 'Đường Hùng Vương, Phường Bắc Giang, Bắc Ninh', openingHours: '07:30–16:30 hằng ngày' },
        ],
        ...team('Tổ truy vết số 1 – CDC Bắc Ninh', ['07210', '09187', '09190'], [
          ['Nguyễn Thị Hoa', '0987200101'],
          ['Ngô Đức Mạnh', '0987200102'],
        ]),
        zones: [],
      };
    case '79':
      return {
        hotline: '028 3800 0115',
        facilities: [
          { id: id('facility', 1), name: 'Khu cách ly tập trung Ký túc xá Sài Gòn', wardCode: '26740', address: 'Số 18 đường Tôn Đức Thắng, Phường Sài Gòn, TP. Hồ Chí Minh', capacity: 300, occupied: 214 },
          { id: id('facility', 2), name: 'Khu cách ly tập trung Ký túc xá Chợ Lớn', wardCode: '27343', address: 'Số 250 đường Hải Thượng Lãn Ông, Phường Chợ Lớn, TP. Hồ Chí Minh', capacity: 150, occupied: 150 },
        ],
        testingSites: [
          { id: id('testingSite', 1), name: 'Điểm xét nghiệm Trạm Y tế Phường Bến Thành', wardCode: '26743', address: 'Số 122 đường Lê Thánh Tôn, Phường Bến Thành, TP. Hồ Chí Minh', openingHours: '07:00–19:00 hằng ngày' },
          { id: id('testingSite', 2), name: 'Điểm xét nghiệm lưu động Phường Tân Định', wardCode: '26737', address: 'Nhà văn hóa Phường Tân Định, đường Hai Bà Trưng, TP. Hồ Chí Minh', openingHours: '07:00–11:00, thứ Hai – thứ Sáu' },
        ],
        ...team('Tổ truy vết số 1 – HCDC', ['26737', '26740', '26743', '27343'], [
          ['Trương Mỹ Linh', '0909300101'],
          ['Lý Hoàng Phúc', '0909300102'],
        ]),
        zones: [
          {
            id: id('zone', 1),
            name: 'Phong tỏa Phường Bến Thành',
            level: 'BLOCKADE',
            reason: 'Ổ dịch liên quan đến Chợ Bến Thành; đang truy vết các tiếp xúc gần (F1).',
            startsAt: new Date(now.getTime() - DAY_MS),
            endsAt: null,
            wardCodes: ['26743'],
          },
        ],
      };
    default:
      return null;
  }
}
