/**
 * Sign-in for the explorer. The token lives in sessionStorage: it is gone when the browser tab is
 * closed, so an official who leaves a shared computer does not leave a signed-in explorer behind.
 */
const TOKEN_KEY = 'hub-explorer:token';

/** The gateway's GraphQL endpoint, next to /explorer/ on the same host. */
export const GRAPHQL_URL = new URL('../graphql', document.baseURI).toString();

export interface ExplorerConfig {
  /** True when the gateway is not in production mode: demo tokens may be asked for. */
  development: boolean;
  /** Roles a demo token can be made for (development only). */
  demoRoles: string[];
  /** Province codes with a demo deployment, with names, for the demo picker. */
  demoProvinces: Array<{ code: string; name: string }>;
}

export interface Viewer {
  subject: string;
  role: string;
  provinces: string[];
  nationwide: boolean;
}

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Signing out forgets the token and GraphiQL's tabs, whose queries and answers may name people. */
export function forgetSession(): void {
  sessionStorage.clear();
}

export async function loadConfig(): Promise<ExplorerConfig> {
  const response = await fetch('./config.json', { cache: 'no-store' });
  if (!response.ok) return { development: false, demoRoles: [], demoProvinces: [] };
  return (await response.json()) as ExplorerConfig;
}

/** Asks the gateway (development only) for a token of a demo role. */
export async function demoToken(role: string, province: string): Promise<string> {
  const params = new URLSearchParams({ role });
  if (province) params.set('province', province);
  const response = await fetch(`./dev-token?${params}`, { cache: 'no-store' });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) throw new Error(body.error ?? `The gateway refused a demo token (HTTP ${response.status}).`);
  return body.token;
}

/** Checks a token by asking the graph who it belongs to; throws with the gateway's message. */
export async function whoAmI(token: string): Promise<Viewer> {
  const response = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ viewer { subject role provinces nationwide } }' }),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: { viewer?: Viewer }; errors?: Array<{ message: string }> };
  if (body.data?.viewer) return body.data.viewer;
  throw new Error(body.errors?.[0]?.message ?? `The gateway answered HTTP ${response.status}.`);
}
