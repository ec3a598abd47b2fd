import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { InternalTokenIssuer, signCallerToken, signInternalToken, VerifiedTokenCache, verifyCallerToken, verifyInternalToken } from '../../subgraphs/shared/identity.ts';

const SECRET = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

describe('caller tokens', () => {
  it('derive role, jurisdiction and scopes', async () => {
    const token = await signCallerToken(SECRET, { subject: 'u1', role: 'province_official', provinces: ['79'] });
    expect(await verifyCallerToken(SECRET, token)).toEqual({ subject: 'u1', role: 'province_official', jurisdiction: ['79'], scopes: [], purpose: null });
  });

  it('give national officials the whole country whatever provinces they claim', async () => {
    const token = await signCallerToken(SECRET, { subject: 'n', role: 'national_official', provinces: ['01'] });
    expect((await verifyCallerToken(SECRET, token)).jurisdiction).toBe('all');
  });

  it('are refused when expired, signed with another key, unsigned or with an unknown role', async () => {
    const expired = await signCallerToken(SECRET, { subject: 'u', role: 'citizen', expiresIn: '-1m' });
    await expect(verifyCallerToken(SECRET, expired)).rejects.toThrow('The token has expired.');
    const otherKey = await signCallerToken(OTHER, { subject: 'u', role: 'citizen' });
    await expect(verifyCallerToken(SECRET, otherKey)).rejects.toThrow('signature');
    const unsigned = new UnsecuredJWT({ role: 'national_official' }).setSubject('x').setAudience('epidemic-hub').encode();
    await expect(verifyCallerToken(SECRET, unsigned)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    const badRole = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setAudience('epidemic-hub').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    await expect(verifyCallerToken(SECRET, badRole)).rejects.toThrow('valid role');
  });
});

describe('internal tokens', () => {
  it('carry the identity from gateway to subgraph', async () => {
    const identity = { subject: 'u1', role: 'partner' as const, jurisdiction: [], scopes: ['checkins:write'], purpose: null };
    expect(await verifyInternalToken(SECRET, await signInternalToken(SECRET, identity))).toEqual(identity);
  });

  it("carry a tracer's wards from caller token to identity to internal token and back", async () => {
    const caller = await signCallerToken(SECRET, { subject: 't1', role: 'tracer', provinces: ['79'], wards: ['26740', '26743'] });
    const identity = await verifyCallerToken(SECRET, caller);
    expect(identity).toEqual({ subject: 't1', role: 'tracer', jurisdiction: ['79'], scopes: [], purpose: null, wards: ['26740', '26743'] });
    expect(await verifyInternalToken(SECRET, await signInternalToken(SECRET, identity))).toEqual(identity);
    // A ward code that is not five digits makes the whole token invalid.
    const bad = await new SignJWT({ role: 'tracer', wards: ['2674'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('t').setAudience('epidemic-hub').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    await expect(verifyCallerToken(SECRET, bad)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('cannot be replaced by a caller token, even one signed with the same secret', async () => {
    const caller = await signCallerToken(SECRET, { subject: 'u', role: 'national_official' });
    await expect(verifyInternalToken(SECRET, caller)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('token caches', () => {
  it('verify a token once and then answer from memory until it expires', async () => {
    let verifications = 0;
    const cache = new VerifiedTokenCache(async (token) => {
      verifications++;
      return verifyCallerToken(SECRET, token);
    });
    const token = await signCallerToken(SECRET, { subject: 'u', role: 'citizen' });
    await cache.identityOf(token);
    await cache.identityOf(token);
    expect(verifications).toBe(1);
    const expired = await signCallerToken(SECRET, { subject: 'u', role: 'citizen', expiresIn: '-1s' });
    await expect(cache.identityOf(expired)).rejects.toThrow('expired');
    await expect(cache.identityOf(expired)).rejects.toThrow('expired'); // failures are never cached
  });

  it('reuse an internal token per identity, and never across identities', async () => {
    const issuer = new InternalTokenIssuer(SECRET);
    const a = { subject: 'a', role: 'citizen' as const, jurisdiction: [], scopes: [], purpose: null };
    const b = { ...a, subject: 'b' };
    expect(await issuer.tokenFor(a)).toBe(await issuer.tokenFor(a));
    expect(await issuer.tokenFor(a)).not.toBe(await issuer.tokenFor(b));
    expect((await verifyInternalToken(SECRET, await issuer.tokenFor(b))).subject).toBe('b');
  });
});
