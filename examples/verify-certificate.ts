/**
 * A checkpoint's offline check of a vaccination certificate (chứng nhận tiêm chủng): an airport,
 * an office or a shop with no network. It reads only files fetched earlier, while online:
 *
 *   curl -s http://127.0.0.1:4000/.well-known/jwks.json > jwks.json
 *   curl -s http://127.0.0.1:4000/.well-known/certificate-revocations.json > revocations.json
 *
 * then, for each scanned QR code (its text: `VNVC1:` and the JWS, or the bare JWS):
 *
 *   npx tsx examples/verify-certificate.ts --jwks jwks.json --revocations revocations.json 'VNVC1:eyJ…'
 *   npx tsx examples/verify-certificate.ts --jwks jwks.json --token-file scanned.txt
 *
 * Exit code: 0 valid, 3 tampered, 4 signed with a key the cached set does not list (refresh it
 * when online), 5 revoked, 6 not a certificate, 2 bad usage or unreadable files. One line on
 * stdout says which, Vietnamese then English. Without --revocations a revoked certificate passes:
 * the revocation list is as fresh as the last download.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CertificateVerifier, describeOutcome, EXIT_CODES, revocationListSchema } from '../subgraphs/vaccination/certificates/verify.ts';

export const USAGE = 'usage: verify-certificate --jwks <file> [--revocations <file>] (<token or QR text> | --token-file <file>)';
export const USAGE_EXIT_CODE = 2;

/** Runs the check on the given arguments: the exit code and the line to print. */
export async function main(argv: readonly string[]): Promise<{ code: number; message: string }> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { jwks: { type: 'string' }, revocations: { type: 'string' }, 'token-file': { type: 'string' } },
      allowPositionals: true,
    });
  } catch (error) {
    return { code: USAGE_EXIT_CODE, message: `${(error as Error).message}\n${USAGE}` };
  }
  const { values, positionals } = parsed;
  const tokenFile = values['token-file'];
  if (!values.jwks || (positionals.length !== 1) === !tokenFile) return { code: USAGE_EXIT_CODE, message: USAGE };
  try {
    const jwks = JSON.parse(readFileSync(values.jwks, 'utf8'));
    if (!Array.isArray(jwks?.keys)) return { code: USAGE_EXIT_CODE, message: `${values.jwks} is not a JWK set (no "keys" array)` };
    const revocations = values.revocations ? revocationListSchema.parse(JSON.parse(readFileSync(values.revocations, 'utf8'))) : undefined;
    const token = tokenFile ? readFileSync(tokenFile, 'utf8') : positionals[0]!;
    const outcome = await new CertificateVerifier(jwks, revocations).verify(token);
    return { code: EXIT_CODES[outcome.status], message: describeOutcome(outcome) };
  } catch (error) {
    return { code: USAGE_EXIT_CODE, message: `cannot read the cached files: ${(error as Error).message}` };
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { code, message } = await main(process.argv.slice(2));
  process.stdout.write(`${message}\n`);
  process.exitCode = code;
}
