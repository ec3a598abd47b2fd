import { GraphQLScalarType, Kind } from 'graphql';
import { badInput } from './errors.ts';

// RFC 3339 date-time with an explicit offset: a timestamp without a zone is ambiguous
// across the hub's services and is refused rather than guessed.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    throw badInput(`DateTime must be an RFC 3339 string with a time zone, e.g. 2025-07-01T08:30:00+07:00; got ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !isRealCalendarDate(value)) throw badInput(`DateTime ${JSON.stringify(value)} is not a real instant`);
  return date;
}

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, as an RFC 3339 string with a time zone (e.g. 2025-07-01T08:30:00+07:00). Returned in UTC.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new TypeError(`Not a DateTime: ${String(value)}`);
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime must be a string');
    return parseDateTime(ast.value);
  },
});

/** `new Date` rolls 2025-02-30 over to 2 March; a day that does not exist must be refused instead. */
function isRealCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const [hour, minute] = value.slice(11, 16).split(':').map(Number) as [number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day && hour < 24 && minute < 60;
}
