import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { Deferred, type Loader, loader } from './components/deferred.js';
import { Link } from './components/ui.js';
import { ApiError, api, onUnauthorized } from './lib/api.js';
import { navigate, useLocation } from './lib/router.js';
import { type StreamState, useStream } from './lib/stream.js';
import { setTheme, useTheme } from './lib/theme.js';
import type { Me } from './lib/types.js';
import { FleetPage } from './pages/fleet.js';
import { LoginPage } from './pages/login.js';

// Every page but the fleet (the landing page) is its own chunk.
const PAGES = {
  host: loader(() => import('./pages/host.js')),
  incidents: loader(() => import('./pages/incidents.js')),
  alerts: loader(() => import('./pages/alerts.js')),
  capacity: loader(() => import('./pages/capacity.js')),
  settings: loader(() => import('./pages/settings.js')),
};

/** The chunk of the page at `path`, if it has one. */
function chunkOf(path: string): Loader<unknown> | undefined {
  if (/^\/hosts\/[^/]+$/.test(path)) return PAGES.host;
  if (/^\/incidents(\/[^/]+)?$/.test(path)) return PAGES.incidents;
  if (path === '/alerts') return PAGES.alerts;
  if (path === '/capacity') return PAGES.capacity;
  if (path === '/settings') return PAGES.settings;
  return undefined;
}

/** Starts fetching the chunk of the page at `path`, so it arrives while the app checks the session. */
export function preloadPage(path: string): void {
  void chunkOf(path)
    ?.load()
    .catch(() => undefined);
}

const NAV = [
  { to: '/', label: 'Fleet', key: 'f' },
  { to: '/incidents', label: 'Incidents', key: 'i' },
  { to: '/alerts', label: 'Alerts', key: 'a' },
  { to: '/capacity', label: 'Capacity', key: 'c' },
  { to: '/settings', label: 'Settings', key: 's' },
] as const;

function route(path: string, me: Me): ReactNode {
  const host = /^\/hosts\/([^/]+)$/.exec(path);
  if (host) return <Deferred key="host" from={PAGES.host} render={(m) => <m.HostPage host={decodeURIComponent(host[1]!)} />} />;
  const inc = /^\/incidents\/([^/]+)$/.exec(path);
  if (inc)
    return <Deferred key="incidents" from={PAGES.incidents} render={(m) => <m.IncidentsPage id={decodeURIComponent(inc[1]!)} me={me} />} />;
  switch (path) {
    case '/':
      return <FleetPage />;
    case '/incidents':
      return <Deferred key="incidents" from={PAGES.incidents} render={(m) => <m.IncidentsPage me={me} />} />;
    case '/alerts':
      return <Deferred key="alerts" from={PAGES.alerts} render={(m) => <m.AlertsPage me={me} />} />;
    case '/capacity':
      return <Deferred key="capacity" from={PAGES.capacity} render={(m) => <m.CapacityPage />} />;
    case '/settings':
      return <Deferred key="settings" from={PAGES.settings} render={(m) => <m.SettingsPage me={me} />} />;
    default:
      return (
        <div className="empty">
          <h1>Not found</h1>
          <p>
            No page at <code>{path}</code>. <Link to="/">Back to the fleet</Link>.
          </p>
        </div>
      );
  }
}

function StreamDot() {
  const state: StreamState = useStream({});
  const text = { connecting: 'connecting…', live: 'live', down: 'reconnecting…', unavailable: 'no live stream' }[state];
  return (
    <span className={`stream stream-${state}`} title={`Live updates: ${text}`} data-stream={state}>
      <span aria-hidden="true">●</span> {text}
    </span>
  );
}

/** The dashboard: login gate, navigation, theme, keyboard shortcuts, and the routed page. */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [authError, setAuthError] = useState<string | undefined>();
  const { path } = useLocation();
  const theme = useTheme();

  const loadMe = useCallback(() => {
    api<Me>('/api/v1/me').then(setMe, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setAuthError(e instanceof Error ? e.message : String(e));
    });
  }, []);
  useEffect(loadMe, [loadMe]);
  useEffect(() => onUnauthorized(() => setMe(null)), []);

  useEffect(() => {
    // g then a letter jumps to a page, as in GitHub; "/" focuses the page's search box; t toggles the theme.
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)) return;
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === 'g') {
        pendingG = Date.now();
        return;
      }
      if (Date.now() - pendingG < 1500) {
        const n = NAV.find((x) => x.key === e.key);
        pendingG = 0;
        if (n) {
          e.preventDefault();
          navigate(n.to);
        }
        return;
      }
      if (e.key === '/') {
        const search = document.querySelector<HTMLInputElement>('input[type="search"]');
        if (search) {
          e.preventDefault();
          search.focus();
        }
      } else if (e.key === 't') setTheme(document.documentElement.dataset.theme === 'light' ? 'dark' : 'light');
      else if (e.key === '?') document.getElementById('shortcuts')?.toggleAttribute('open');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (me === undefined) {
    return <div className="boot">{authError ? <p className="error">Cannot reach the Vigil server: {authError}</p> : <p>Loading…</p>}</div>;
  }
  if (me === null) return <LoginPage onLogin={loadMe} />;

  const logout = async () => {
    await api('/api/v1/logout', { method: 'POST' }).catch(() => undefined);
    setMe(null);
  };
  const active = (to: string) => (to === '/' ? path === '/' || path.startsWith('/hosts/') : path.startsWith(to));
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
            <path
              d="M3 18h6l3-9 5 16 4-11 2 4h6"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.5"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
          Vigil
        </Link>
        <nav aria-label="Main">
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} className={active(n.to) ? 'active' : ''}>
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-right">
          <StreamDot />
          <button
            type="button"
            className="ghost"
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          <span className="me" title={`tenant ${me.tenant}`}>
            {me.name} <span className="muted">({me.role})</span>
          </span>
          <button type="button" className="ghost" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route(path, me)}
      </main>
      <footer>
        <details id="shortcuts" className="shortcuts">
          <summary>Keyboard shortcuts</summary>
          <ul>
            {NAV.map((n) => (
              <li key={n.key}>
                <kbd>g</kbd> <kbd>{n.key}</kbd> {n.label}
              </li>
            ))}
            <li>
              <kbd>/</kbd> search
            </li>
            <li>
              <kbd>t</kbd> toggle theme
            </li>
            <li>
              <kbd>?</kbd> this list
            </li>
          </ul>
        </details>
      </footer>
    </div>
  );
}
