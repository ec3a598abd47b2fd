/**
 * npm run token -- --role national_official
 * npm run token -- --role province_official --province 79 [--province 01] [--scope checkins:write] [--sub name] [--ttl 8h] [--purpose contact-tracing]
 * npm run token -- --role tracer --province 79 --ward 26740,26743   (the wards the tracer's team covers)
 * Prints a caller JWT signed with JWT_SECRET (in development, the documented default).
 */
import { loadEnv } from '../subgraphs/shared/env.ts';
import { ROLES, signCallerToken, type Role } from '../subgraphs/shared/identity.ts';
import { parseArgs, stringFlag } from './args.ts';

const env = loadEnv();
const argv = process.argv.slice(2);
const { flags } = parseArgs(argv);
const role = (stringFlag(flags, 'role') ?? 'national_official') as Role;
if (!ROLES.includes(role)) {
  console.error(`--role must be one of: ${ROLES.join(', ')}`);
  process.exit(2);
}
// --province, --scope and --ward may repeat, or take a comma-separated list.
const many = (name: string) =>
  argv.flatMap((arg, i) => (arg === `--${name}` ? (argv[i + 1] ?? '').split(',') : arg.startsWith(`--${name}=`) ? arg.slice(name.length + 3).split(',') : [])).filter(Boolean);
const provinces = many('province');
if (provinces.some((p) => !/^\d{2}$/.test(p))) {
  console.error('--province takes two-digit province codes, e.g. --province 79');
  process.exit(2);
}
const scopes = many('scope');
const wards = many('ward');
if (wards.some((w) => !/^\d{5}$/.test(w))) {
  console.error('--ward takes five-digit ward codes, e.g. --ward 26740');
  process.exit(2);
}
const purpose = stringFlag(flags, 'purpose');
const token = await signCallerToken(env.secrets.jwt, {
  subject: stringFlag(flags, 'sub') ?? `dev-${role}`,
  role,
  ...(provinces.length ? { provinces } : {}),
  ...(scopes.length ? { scopes } : {}),
  ...(purpose ? { purpose } : {}),
  ...(wards.length ? { wards } : {}),
  expiresIn: stringFlag(flags, 'ttl') ?? '8h',
});
console.log(token);
