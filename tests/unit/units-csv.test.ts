import { describe, expect, it } from 'vitest';
import { ImportError, parseCsv, parseUnits, parseWardMapping } from '../../subgraphs/units/import.ts';

const HEADER = 'code,name,type,level,parent_code';

describe('parseCsv', () => {
  it('handles quoted fields with commas, doubled quotes and CRLF', () => {
    expect(parseCsv('a,"b, c","say ""hi"""\r\n1,2,3\n')).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['1', '2', '3'],
    ]);
  });
});

describe('parseUnits', () => {
  it('reads the current structure and keeps codes as zero-padded strings', () => {
    const rows = parseUnits(`${HEADER}\n01,Thành phố Hà Nội,Thành phố,province,\n00004,Phường Ba Đình,Phường,ward,01\n`, 'current');
    expect(rows.map((r) => [r.code, r.level, r.parentCode])).toEqual([
      ['01', 'province', null],
      ['00004', 'ward', '01'],
    ]);
  });

  it('reports every problem of a bad file at once', () => {
    const text = [
      HEADER,
      '1,Thành phố Hà Nội,Thành phố,province,', // code not 2 digits
      '00004,Ba Đình,Phường,ward,01', // name without its type
      '00005,Phường X,Phường,ward,77', // parent missing
      '00006,Phường Y,Phường,district,01', // no districts after 2025
    ].join('\n');
    try {
      parseUnits(text, 'current');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImportError);
      const problems = (error as ImportError).problems.join('\n');
      expect(problems).toContain('line 2: province code "1" must be 2 digits');
      expect(problems).toContain('line 3: name "Ba Đình" does not start with its type "Phường"');
      expect(problems).toContain('line 4: parent 77 of 00005 is not a province');
      expect(problems).toContain('line 5: level "district"');
    }
  });

  it('requires wards of the pre-2025 structure to hang under districts', () => {
    const text = `${HEADER}\n01,Thành phố Hà Nội,Thành phố,province,\n00001,Phường Phúc Xá,Phường,ward,01\n`;
    expect(() => parseUnits(text, 'legacy')).toThrow(/parent 01 of 00001 is not a district/);
  });

  it('refuses a file with the wrong header', () => {
    expect(() => parseUnits('code,name\n01,x', 'current')).toThrow(/expected header/);
  });
});

describe('parseWardMapping', () => {
  it('refuses malformed codes', () => {
    expect(() => parseWardMapping('old_ward_code,new_ward_code\n00001,97\n')).toThrow(/line 2: expected two 5-digit ward codes/);
  });
});
