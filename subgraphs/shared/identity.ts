import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { hubError } from './errors.ts';

export const ROLES = ['citizen', 'tracer', 'province_official', 'national_official', 'partner', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking, as the gateway derived it from the caller's JWT. Passed to every subgraph. */
export interface Identity {
  subject: string;
  role: Role;
  /** Province codes the caller acts for, or 'all' (national officials and the hub's own services). */
  jurisdiction: string[] | 'all';
  scopes: string[];
  purpose: string | null;
  /**
   * Tracers: five-digit codes of the wards their team covers. Tracing tasks are assigned by ward,
   * so a contact is "assigned to the team" when the contact lives in one of these wards.
   * Absent when the token names none.
   */
  wards?: string[];
}

const claims = z.object({
  sub: z.string().min(1),
  role: z.enum(ROLES),
  provinces: z.array(z.string().regex(/^\d{2}$/)).optional(),
  scopes: z.array(z.string()).optional(),
  purpose: z.string().optional(),
  wards: z.array(z.string().regex(/^\d{5}$/)).optional(),
});

const NATIONWIDE_ROLES: ReadonlySet<Role> = new Set(['national_official', 'service']);

function identityFromClaims(payload: unknown): Identity {
  const parsed = claims.safeParse(payload);
  if (!parsed.success) throw hubError('UNAUTHENTICATED', 'The token does not carry a valid role and subject.');
  const { sub, role, provinces, scopes, purpose, wards } = parsed.data;
  return {
    subject: sub,
    role,
    jurisdiction: NATIONWIDE_ROLES.has(role) ? 'all' : (provinces ?? []),
    scopes: scopes ?? [],
    purpose: purpose ?? null,
    ...(wards?.length ? { wards } : {}),
  };
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

// Tokens issued to callers (officials, apps, partners). Audience and issuer keep them from
// being confused with the gateway's internal tokens, which are signed with another secret.
const CALLER_AUDIENCE = 'epidemic-hub';
const INTERNAL_AUDIENCE = 'epidemic-hub-subgraphs';
const INTERNAL_ISSUER = 'epidemic-hub-gateway';

export interface CallerTokenInput {
  subject: string;
  role: Role;
  provinces?: string[];
  scopes?: string[];
  purpose?: string;
  /** Tracers: the wards their team covers (five-digit codes). */
  wards?: string[];
  expiresIn?: string;
}

export async function signCallerToken(secret: string, input: CallerTokenInput): Promise<string> {
  return new SignJWT({
    role: input.role,
    ...(input.provinces ? { provinces: input.provinces } : {}),
    ...(input.scopes ? { scopes: input.scopes } : {}),
    ...(input.purpose ? { purpose: input.purpose } : {}),
    ...(input.wards?.length ? { wards: input.wards } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(input.subject)
    .setAudience(CALLER_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(input.expiresIn ?? '8h')
    .sign(key(secret));
}

export async function verifyCallerToken(secret: string, token: string): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'], audience: CALLER_AUDIENCE });
    return identityFromClaims(payload);
  } catch (error) {
    throw hubError('UNAUTHENTICATED', describeJoseError(error));
  }
}

/** The gateway's own short-lived token for one request to one subgraph. */
export async function signInternalToken(secret: string, identity: Identity, ttlSeconds = 60): Promise<string> {
  return new SignJWT({
    role: identity.role,
    provinces: identity.jurisdiction === 'all' ? undefined : identity.jurisdiction,
    scopes: identity.scopes,
    ...(identity.purpose ? { purpose: identity.purpose } : {}),
    ...(identity.wards?.length ? { wards: identity.wards } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.subject)
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key(secret));
}

export async function verifyInternalToken(secret: string, token: string): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      algorithms: ['HS256'],
      audience: INTERNAL_AUDIENCE,
      issuer: INTERNAL_ISSUER,
    });
    return identityFromClaims(payload);
  } catch (error) {
    throw hubError('UNAUTHENTICATED', `Subgraphs only answer the gateway: ${describeJoseError(error)}`);
  }
}

/** The header that carries the gateway's internal token; a client-sent copy is never trusted. */
export const INTERNAL_TOKEN_HEADER = 'x-hub-internal-token';
/** Every header with this prefix is the hub's own and is dropped when a client sends it. */
export const INTERNAL_HEADER_PREFIX = 'x-hub-';

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is not valid.';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token algorithm is not accepted.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token claim "${error.claim}" is not valid.`;
  if (error instanceof Error && 'extensions' in error) return error.message;
  return 'The token could not be verified.';
}

/**
 * Verification results by token string, kept until the token expires. HMAC verification through
 * WebCrypto costs a thread-pool round trip (≈0.3 ms measured) on every hop; the same token comes
 * back many times (the gateway reuses its internal tokens, clients reuse theirs).
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { identity: Identity; expiresAt: number }>();

  constructor(
    private readonly verify: (token: string) => Promise<Identity>,
    private readonly maxEntries = 10_000,
  ) {}

  async identityOf(token: string): Promise<Identity> {
    const cached = this.entries.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.identity;
    const identity = await this.verify(token);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(token, { identity, expiresAt: expiryOf(token) });
    return identity;
  }
}

function expiryOf(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** Issues the gateway's internal tokens, reusing one per identity for half its lifetime. */
export class InternalTokenIssuer {
  private readonly issued = new Map<string, { token: string; renewAt: number }>();

  constructor(
    private readonly secret: string,
    private readonly ttlSeconds = 60,
  ) {}

  async tokenFor(identity: Identity): Promise<string> {
    const key = JSON.stringify(identity);
    const cached = this.issued.get(key);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    const token = await signInternalToken(this.secret, identity, this.ttlSeconds);
    if (this.issued.size >= 10_000) this.issued.clear();
    this.issued.set(key, { token, renewAt: Date.now() + (this.ttlSeconds * 1000) / 2 });
    return token;
  }
}
