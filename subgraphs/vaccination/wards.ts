import type { GraphClient } from '../shared/graph-client.ts';

/** A current ward and its province. */
export interface WardPlace {
  code: string;
  provinceCode: string;
}

/** What a residence code resolves to. */
export type WardResolution =
  | { kind: 'WARD'; ward: WardPlace }
  | { kind: 'UNKNOWN' }
  /** A pre-2025 ward split into several current wards: not guessed. */
  | { kind: 'AMBIGUOUS'; candidates: string[] };

const LOOKUP = /* GraphQL */ `
  query VaccinationWardLookup($wards: [ID!]!, $legacy: [ID!]!) {
    wards(codes: $wards) { code province { code } }
    legacyWards(codes: $legacy) { code successors { code province { code } } }
  }`;

interface LookupResult {
  wards: Array<{ code: string; province: { code: string } }> | null;
  legacyWards: Array<{ code: string; successors: Array<{ code: string; province: { code: string } }> }> | null;
}

/** The lookup of the units subgraph; a function so tests and benchmarks can count calls. */
export type UnitsLookup = (wards: string[], legacy: string[]) => Promise<LookupResult>;

export function graphLookup(graph: GraphClient): UnitsLookup {
  return (wards, legacy) => graph.mustQuery<LookupResult>(LOOKUP, { wards, legacy });
}

/**
 * Residence codes resolved through the units subgraph's directory and its old→new ward mapping
 * (asked through the gateway as the service role, never its database): one call per upload for the
 * codes not yet known, then cached for the life of the process (the administrative lists change
 * only by an import). Unknown codes are not cached: an import may add them.
 */
export class WardDirectory {
  private readonly current = new Map<string, WardPlace>();
  private readonly legacy = new Map<string, WardPlace[]>();

  constructor(private readonly lookup: UnitsLookup) {}

  async resolve(codes: { wards: readonly string[]; legacy: readonly string[] }): Promise<{ ward(code: string): WardResolution; legacyWard(code: string): WardResolution }> {
    const wards = [...new Set(codes.wards)].filter((c) => !this.current.has(c));
    const legacy = [...new Set(codes.legacy)].filter((c) => !this.legacy.has(c));
    if (wards.length || legacy.length) {
      const found = await this.lookup(wards, legacy);
      for (const w of found.wards ?? []) this.current.set(w.code, { code: w.code, provinceCode: w.province.code });
      for (const l of found.legacyWards ?? []) this.legacy.set(l.code, l.successors.map((s) => ({ code: s.code, provinceCode: s.province.code })));
    }
    return {
      ward: (code) => {
        const ward = this.current.get(code);
        return ward ? { kind: 'WARD', ward } : { kind: 'UNKNOWN' };
      },
      legacyWard: (code) => {
        const successors = this.legacy.get(code);
        if (!successors || successors.length === 0) return { kind: 'UNKNOWN' };
        if (successors.length > 1) return { kind: 'AMBIGUOUS', candidates: successors.map((s) => s.code).sort() };
        return { kind: 'WARD', ward: successors[0]! };
      },
    };
  }
}
