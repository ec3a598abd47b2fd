/**
 * What a certificate (chứng nhận tiêm chủng) says: the minimum a checkpoint needs to match the
 * card to the person in front of it, with short member names so the QR stays small. Never the
 * national ID number, never an address or phone.
 *
 * | member | meaning                                                                   |
 * |--------|---------------------------------------------------------------------------|
 * | `v`    | payload version (1)                                                       |
 * | `cid`  | the certificate's id (a UUID): what a revocation names                    |
 * | `iat`  | issued at, seconds since the epoch                                        |
 * | `n`    | the person's full name                                                    |
 * | `by`   | the person's birth year                                                   |
 * | `d`    | doses, oldest first: [product code, day in Viet Nam (YYYY-MM-DD), number] |
 */
export interface CertificatePayload {
  v: 1;
  cid: string;
  iat: number;
  n: string;
  by: number;
  d: Array<[product: string, day: string, doseNumber: number]>;
}

/** A dose as a certificate lists it. */
export interface CertificateDose {
  productCode: string;
  administeredAt: Date;
  doseNumber: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);

/**
 * The payload in a decoded JSON value, with its members only (others are dropped); null when a
 * member is missing or of another shape. Written out rather than a zod schema: it runs for every
 * certificate a verifier checks, and zod's generic walk cost a fifth of a verification.
 */
export function parsePayload(value: unknown): CertificatePayload | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { v, cid, iat, n, by, d } = value as Record<string, unknown>;
  if (v !== 1 || typeof cid !== 'string' || !UUID.test(cid) || !isInteger(iat) || iat <= 0 || typeof n !== 'string' || n.length === 0 || !isInteger(by) || !Array.isArray(d)) return null;
  const doses: CertificatePayload['d'] = [];
  for (const dose of d) {
    if (!Array.isArray(dose) || dose.length !== 3) return null;
    const [product, day, doseNumber] = dose as unknown[];
    if (typeof product !== 'string' || product.length === 0 || typeof day !== 'string' || !DAY.test(day) || !isInteger(doseNumber) || doseNumber <= 0) return null;
    doses.push([product, day, doseNumber]);
  }
  return { v, cid, iat, n, by, d: doses };
}

/** The QR carries the JWS behind this prefix, so a scanner tells a hub certificate from any other code. */
export const QR_PREFIX = 'VNVC1:';

/** The day (YYYY-MM-DD) of an instant in Viet Nam (UTC+7, no daylight saving). */
export function vietnamDay(instant: Date): string {
  return new Date(instant.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

export function buildPayload(input: { certificateId: string; issuedAt: Date; fullName: string; birthYear: number; doses: readonly CertificateDose[] }): CertificatePayload {
  const doses = [...input.doses].sort((a, b) => a.administeredAt.getTime() - b.administeredAt.getTime() || a.doseNumber - b.doseNumber);
  return {
    v: 1,
    cid: input.certificateId,
    iat: Math.floor(input.issuedAt.getTime() / 1000),
    n: input.fullName,
    by: input.birthYear,
    d: doses.map((dose) => [dose.productCode, vietnamDay(dose.administeredAt), dose.doseNumber]),
  };
}

/** The token inside a scanned QR text, or the text itself when it is a bare JWS. */
export function tokenFromQr(text: string): string {
  const trimmed = text.trim();
  return trimmed.startsWith(QR_PREFIX) ? trimmed.slice(QR_PREFIX.length) : trimmed;
}
