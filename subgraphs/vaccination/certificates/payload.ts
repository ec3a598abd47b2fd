import { z } from 'zod';

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

export const payloadSchema = z.object({
  v: z.literal(1),
  cid: z.string().uuid(),
  iat: z.number().int().positive(),
  n: z.string().min(1),
  by: z.number().int(),
  d: z.array(z.tuple([z.string().min(1), z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.number().int().positive()])),
});

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
