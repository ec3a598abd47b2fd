import { describe, expect, it } from 'vitest';
import { DEV_SECRETS, EnvError, parseEnv } from '../../subgraphs/shared/env.ts';

describe('environment', () => {
  it('has documented development defaults', () => {
    const env = parseEnv({});
    expect(env.gateway.port).toBe(4000);
    expect(env.postgres).toMatchObject({ url: undefined, prefix: 'hub', embeddedPort: 54329 });
    expect(env.secrets.jwt).toBe(DEV_SECRETS.JWT_SECRET);
  });

  it('reports every problem at once, and refuses development secrets in production', () => {
    try {
      parseEnv({ NODE_ENV: 'production', GATEWAY_PORT: 'abc', DATABASE_URL: 'not a url' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const message = (error as Error).message;
      for (const name of ['GATEWAY_PORT', 'DATABASE_URL', 'JWT_SECRET', 'INTERNAL_TOKEN_SECRET', 'NATIONAL_ID_KEY']) expect(message).toContain(name);
    }
  });
});
