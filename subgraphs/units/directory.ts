/**
 * The 34 provinces of the structure in force since 1 July 2025 (Resolution 202/2025/QH15;
 * codes per Công văn 915/CTK-CSCL). Public facts, so they ship with the hub; wards are imported.
 */
export const PROVINCES: ReadonlyArray<{ code: string; name: string; kind: 'Tỉnh' | 'Thành phố' }> = [
  { code: '01', name: 'Thành phố Hà Nội', kind: 'Thành phố' },
  { code: '04', name: 'Tỉnh Cao Bằng', kind: 'Tỉnh' },
  { code: '08', name: 'Tỉnh Tuyên Quang', kind: 'Tỉnh' },
  { code: '11', name: 'Tỉnh Điện Biên', kind: 'Tỉnh' },
  { code: '12', name: 'Tỉnh Lai Châu', kind: 'Tỉnh' },
  { code: '14', name: 'Tỉnh Sơn La', kind: 'Tỉnh' },
  { code: '15', name: 'Tỉnh Lào Cai', kind: 'Tỉnh' },
  { code: '19', name: 'Tỉnh Thái Nguyên', kind: 'Tỉnh' },
  { code: '20', name: 'Tỉnh Lạng Sơn', kind: 'Tỉnh' },
  { code: '22', name: 'Tỉnh Quảng Ninh', kind: 'Tỉnh' },
  { code: '24', name: 'Tỉnh Bắc Ninh', kind: 'Tỉnh' },
  { code: '25', name: 'Tỉnh Phú Thọ', kind: 'Tỉnh' },
  { code: '31', name: 'Thành phố Hải Phòng', kind: 'Thành phố' },
  { code: '33', name: 'Tỉnh Hưng Yên', kind: 'Tỉnh' },
  { code: '37', name: 'Tỉnh Ninh Bình', kind: 'Tỉnh' },
  { code: '38', name: 'Tỉnh Thanh Hóa', kind: 'Tỉnh' },
  { code: '40', name: 'Tỉnh Nghệ An', kind: 'Tỉnh' },
  { code: '42', name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' },
  { code: '44', name: 'Tỉnh Quảng Trị', kind: 'Tỉnh' },
  { code: '46', name: 'Thành phố Huế', kind: 'Thành phố' },
  { code: '48', name: 'Thành phố Đà Nẵng', kind: 'Thành phố' },
  { code: '51', name: 'Tỉnh Quảng Ngãi', kind: 'Tỉnh' },
  { code: '52', name: 'Tỉnh Gia Lai', kind: 'Tỉnh' },
  { code: '56', name: 'Tỉnh Khánh Hòa', kind: 'Tỉnh' },
  { code: '66', name: 'Tỉnh Đắk Lắk', kind: 'Tỉnh' },
  { code: '68', name: 'Tỉnh Lâm Đồng', kind: 'Tỉnh' },
  { code: '75', name: 'Tỉnh Đồng Nai', kind: 'Tỉnh' },
  { code: '79', name: 'Thành phố Hồ Chí Minh', kind: 'Thành phố' },
  { code: '80', name: 'Tỉnh Tây Ninh', kind: 'Tỉnh' },
  { code: '82', name: 'Tỉnh Đồng Tháp', kind: 'Tỉnh' },
  { code: '86', name: 'Tỉnh Vĩnh Long', kind: 'Tỉnh' },
  { code: '91', name: 'Tỉnh An Giang', kind: 'Tỉnh' },
  { code: '92', name: 'Thành phố Cần Thơ', kind: 'Thành phố' },
  { code: '96', name: 'Tỉnh Cà Mau', kind: 'Tỉnh' },
];

/** A few real wards of the three demo provinces, so the hub is useful before a full import. */
export const DEMO_WARDS: ReadonlyArray<{ code: string; name: string; kind: string; provinceCode: string }> = [
  { code: '00004', name: 'Phường Ba Đình', kind: 'Phường', provinceCode: '01' },
  { code: '00008', name: 'Phường Ngọc Hà', kind: 'Phường', provinceCode: '01' },
  { code: '00070', name: 'Phường Hoàn Kiếm', kind: 'Phường', provinceCode: '01' },
  { code: '07210', name: 'Phường Bắc Giang', kind: 'Phường', provinceCode: '24' },
  { code: '09187', name: 'Phường Kinh Bắc', kind: 'Phường', provinceCode: '24' },
  { code: '09190', name: 'Phường Võ Cường', kind: 'Phường', provinceCode: '24' },
  { code: '26737', name: 'Phường Tân Định', kind: 'Phường', provinceCode: '79' },
  { code: '26740', name: 'Phường Sài Gòn', kind: 'Phường', provinceCode: '79' },
  { code: '26743', name: 'Phường Bến Thành', kind: 'Phường', provinceCode: '79' },
  { code: '27343', name: 'Phường Chợ Lớn', kind: 'Phường', provinceCode: '79' },
];

/** `Phường Sài Gòn` → `Sài Gòn`: every official name starts with its unit type and a space. */
export function shortName(name: string, kind: string): string {
  return name.startsWith(`${kind} `) ? name.slice(kind.length + 1) : name;
}
