/**
 * A parser of Prometheus' text exposition format (version 0.0.4), strict enough that a malformed
 * /metrics answer fails the test: every sample line is `name{label="value",…} value [timestamp]`
 * with escaped label values, and every sample belongs to a family declared by `# TYPE`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Family name → counter, gauge, histogram, summary, untyped. */
  types: Map<string, string>;
  help: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Exposition {
  const exposition: Exposition = { samples: [], types: new Map(), help: new Map() };
  text.split('\n').forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${line}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const [, keyword, name, rest] = /^#\s+(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line) ?? [];
      if (!keyword) return; // any other comment
      if (!NAME.test(name!)) fail('bad metric name');
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest!)) fail('unknown type');
        if (exposition.types.has(name!)) fail('second TYPE for the family');
        exposition.types.set(name!, rest!);
      } else exposition.help.set(name!, rest!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      return;
    }
    let rest = line;
    const name = NAME.exec(rest)?.[0] ?? fail('no metric name');
    rest = rest.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      for (;;) {
        if (rest.startsWith('}')) break;
        const label = LABEL_NAME.exec(rest)?.[0] ?? fail('bad label name');
        rest = rest.slice(label.length);
        if (!rest.startsWith('="')) fail('expected ="');
        rest = rest.slice(2);
        let value = '';
        for (;;) {
          const char = rest[0] ?? fail('unterminated label value');
          rest = rest.slice(1);
          if (char === '"') break;
          if (char === '\\') {
            const escaped = rest[0];
            rest = rest.slice(1);
            if (escaped === 'n') value += '\n';
            else if (escaped === '\\' || escaped === '"') value += escaped;
            else fail('bad escape in label value');
          } else value += char;
        }
        if (label in labels) fail(`label ${label} twice`);
        labels[label] = value;
        if (rest.startsWith(',')) rest = rest.slice(1);
        else if (!rest.startsWith('}')) fail('expected , or }');
      }
      rest = rest.slice(1);
    }
    const [, valueText, timestamp] = /^ +(\S+)(?: +(-?\d+))?$/.exec(rest) ?? fail('bad value');
    void timestamp;
    const value = parseValue(valueText!) ?? fail('value is not a number');
    const family = exposition.types.has(name) ? name : name.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!exposition.types.has(family)) fail('sample of a family without # TYPE');
    exposition.samples.push({ name, labels, value });
  });
  return exposition;
}

/** A sample's value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case, as prom-client writes `Nan`). */
function parseValue(text: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const value = Number(text);
  return text.trim() !== '' && !Number.isNaN(value) ? value : undefined;
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of those samples' values (0 when there are none). */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(exposition, name, labels).reduce((sum, s) => sum + s.value, 0);
}

/** GET a /metrics URL and parse it (throws unless 200 with Prometheus' content type). */
export async function scrape(url: string): Promise<Exposition> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain')) throw new Error(`${url} answered ${type}`);
  return parsePrometheusText(await response.text());
}
