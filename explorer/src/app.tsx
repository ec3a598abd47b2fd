import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { StarIcon, useGraphiQL, useGraphiQLActions, type GraphiQLPlugin } from '@graphiql/react';
import { EXAMPLES, variablesText, type Example } from './examples.ts';
import { demoToken, forgetSession, forgetToken, GRAPHQL_URL, loadConfig, savedToken, saveToken, whoAmI, type ExplorerConfig, type Viewer } from './session.ts';

type Fetcher = GraphiQLProps['fetcher'];

interface Session {
  token: string;
  viewer: Viewer;
}

export function App() {
  const [config, setConfig] = useState<ExplorerConfig | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const signIn = useCallback(async (token: string) => {
    setError(null);
    setChecking(true);
    try {
      const viewer = await whoAmI(token);
      saveToken(token);
      setSession({ token, viewer });
    } catch (failure) {
      forgetToken();
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    void loadConfig().then(setConfig);
    const token = savedToken();
    if (token) void signIn(token);
    else setChecking(false);
  }, [signIn]);

  const signOut = useCallback(() => {
    forgetSession();
    setSession(null);
  }, []);

  if (session) return <Explorer session={session} onSignOut={signOut} />;
  return <SignIn config={config} busy={checking} error={error} onToken={signIn} onError={setError} />;
}

const ROLE_LABELS: Record<string, string> = {
  national_official: 'National official (cán bộ trung ương) — nationwide',
  province_official: 'Province official (cán bộ tỉnh)',
  tracer: 'Tracer (cán bộ truy vết)',
  citizen: 'Citizen (người dân)',
};

function SignIn(props: { config: ExplorerConfig | null; busy: boolean; error: string | null; onToken(token: string): void; onError(message: string): void }) {
  const [token, setToken] = useState('');
  const [role, setRole] = useState('national_official');
  const [province, setProvince] = useState('79');
  const development = props.config?.development ?? false;
  const needsProvince = role !== 'national_official';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (trimmed) props.onToken(trimmed);
  };
  const useDemoRole = async () => {
    try {
      props.onToken(await demoToken(role, needsProvince ? province : ''));
    } catch (failure) {
      props.onError(failure instanceof Error ? failure.message : String(failure));
    }
  };

  return (
    <main className="hub-signin">
      <h1>Epidemic-response graph explorer</h1>
      <p className="hub-lede">
        Ask the national graph your own questions: cases (F0), contacts (F1/F2), check-ins, health declarations (khai báo y tế), quarantine beds and
        zones (khoanh vùng) of every province. What you see depends on your role and jurisdiction.
      </p>
      <form onSubmit={submit} aria-label="Sign in with a token">
        <label htmlFor="hub-token">Paste your access token</label>
        <textarea
          id="hub-token"
          name="token"
          rows={4}
          spellCheck={false}
          autoComplete="off"
          placeholder="eyJhbGciOiJIUzI1NiJ9…"
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <button type="submit" disabled={props.busy || token.trim() === ''}>
          Sign in
        </button>
        <p className="hub-hint">The token stays in this browser tab only and is forgotten when you close it.</p>
      </form>
      {development && props.config && (
        <section className="hub-demo" aria-label="Demo role">
          <h2>Demo role (development only)</h2>
          <p className="hub-hint">This gateway is not in production mode: it can hand out a token for a demo role.</p>
          <div className="hub-demo-row">
            <label>
              Role
              <select name="role" value={role} onChange={(event) => setRole(event.target.value)}>
                {props.config.demoRoles.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r] ?? r}
                  </option>
                ))}
              </select>
            </label>
            {needsProvince && (
              <label>
                Province
                <select name="province" value={province} onChange={(event) => setProvince(event.target.value)}>
                  {props.config.demoProvinces.map((p) => (
                    <option key={p.code} value={p.code}>
                      {p.code} {p.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button type="button" disabled={props.busy} onClick={() => void useDemoRole()}>
              Use demo role
            </button>
          </div>
        </section>
      )}
      {props.error && (
        <p className="hub-error" role="alert">
          {props.error}
        </p>
      )}
    </main>
  );
}

/** A new session's first tab: a short guide, and an empty operation for the explorer pane to fill. */
const WELCOME = `# Tick fields in the Explorer pane to build
# a question, then press run (Ctrl-Enter).
# Saved questions: the star icon (Examples).
# What each field means: the Docs icon.
`;

// One instance for the page's lifetime: GraphiQL identifies plugins by title.
const explorerInside = explorerPlugin({ showAttribution: false });
/**
 * The explorer pane, mounted once the query editor exists: the plugin writes its first operation
 * into the editor as it mounts, and on a slow machine the pane (open from the start) can come up
 * before the editor does.
 */
function ExplorerWhenReady() {
  const ready = useGraphiQL((state) => Boolean(state.queryEditor?.getModel()));
  const Content = explorerInside.content;
  return ready ? <Content /> : <p className="hub-hint">Loading the editor…</p>;
}
const explorer: GraphiQLPlugin = { ...explorerInside, content: ExplorerWhenReady };
const examples: GraphiQLPlugin = { title: 'Examples', icon: () => <StarIcon />, content: ExamplesPanel };

function Explorer({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const fetcher: Fetcher = useCallback<Fetcher>(
    async (params) => {
      const response = await fetch(GRAPHQL_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${session.token}` },
        body: JSON.stringify(params),
      });
      const text = await response.text();
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        return { errors: [{ message: `The gateway answered HTTP ${response.status}: ${text.slice(0, 200)}` }] };
      }
    },
    [session.token],
  );
  const { viewer } = session;
  const scope = viewer.nationwide ? 'nationwide' : viewer.provinces.length ? `provinces ${viewer.provinces.join(', ')}` : 'no province';

  return (
    <div className="hub-app">
      <header className="hub-bar">
        <strong>Epidemic-response graph explorer</strong>
        <span className="hub-who" data-testid="signed-in-as">
          Signed in as {viewer.subject} · {viewer.role} · {scope}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <div className="hub-graphiql">
        <GraphiQL
          fetcher={fetcher}
          plugins={[explorer, examples]}
          visiblePlugin={explorer}
          defaultTabs={[{ query: WELCOME }]}
          isHeadersEditorEnabled={false}
          shouldPersistHeaders={false}
          storage={sessionStorage}
          defaultEditorToolsVisibility="variables"
        >
          <GraphiQL.Logo>Hub</GraphiQL.Logo>
        </GraphiQL>
      </div>
    </div>
  );
}

function ExamplesPanel() {
  const { addTab, setOperationName } = useGraphiQLActions();
  const queryEditor = useGraphiQL((state) => state.queryEditor);
  const variableEditor = useGraphiQL((state) => state.variableEditor);
  const open = (example: Example) => {
    addTab();
    queryEditor?.setValue(example.query);
    variableEditor?.setValue(variablesText(example));
    // The operation name otherwise follows the editor only after a debounce: run at once, and the
    // request named the previous tab's operation ("Unknown operation named …").
    const name = /\b(?:query|mutation)\s+(\w+)/.exec(example.query)?.[1];
    if (name) setOperationName(name);
  };
  return (
    <div className="hub-examples">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <p className="hub-hint">Saved questions for officials. Opening one adds a tab; press run to see the answer.</p>
      <ul>
        {EXAMPLES.map((example) => (
          <li key={example.title}>
            <button type="button" className="hub-example" onClick={() => open(example)}>
              <span className="hub-example-title">{example.title}</span>
              <span className="hub-example-text">{example.description}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
