import { type FormEvent, useState } from 'react';
import { ListTable } from '../components/list.js';
import { Ago, LoadState, PageHeader, Panel } from '../components/ui.js';
import { api } from '../lib/api.js';
import { useApi } from '../lib/hooks.js';
import { type Me, unwrap } from '../lib/types.js';

interface KeyInfo {
  id: number;
  name: string;
  kind: 'agent' | 'token';
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

interface UserInfo {
  id: number;
  name: string;
  role: 'viewer' | 'editor' | 'admin';
  createdAt: number;
}

interface Channel {
  id: string;
  type: string;
  /** Where it sends, without secrets (e.g. the host part of a URL or the recipients). */
  target?: string;
  to?: string[];
  url?: string;
}

/** The one-line agent install for this server and a key. */
export function installCommand(origin: string, key: string): string {
  return `curl -fsS ${origin}/agent.js -o vigil-agent.mjs && node vigil-agent.mjs --server ${origin} --key ${key}`;
}

function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true);
            setTimeout(() => setDone(false), 1500);
          },
          () => undefined,
        );
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

function AgentKeys({ me }: { me: Me }) {
  const keys = useApi<{ keys: KeyInfo[] }>(me.role === 'admin' ? '/api/v1/keys' : null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ key: string; info: KeyInfo } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const origin = location.origin;
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const r = await api<{ key: string; info: KeyInfo }>('/api/v1/keys', { method: 'POST', body: { name, kind: 'agent' } });
      setCreated(r);
      setName('');
      keys.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const revoke = async (k: KeyInfo) => {
    if (!confirm(`Revoke the key "${k.name}"? Agents using it stop sending.`)) return;
    try {
      await api(`/api/v1/keys/${k.id}`, { method: 'DELETE' });
      keys.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  if (me.role !== 'admin') {
    return (
      <Panel title="Agent keys">
        <p className="empty">Only admins manage agent keys.</p>
      </Panel>
    );
  }
  const list = (keys.data?.keys ?? []).filter((k) => k.kind === 'agent');
  return (
    <Panel title="Agent keys" id="keys">
      <form className="inline-form" onSubmit={(e) => void create(e)}>
        <label>
          New key for
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. web servers" required />
        </label>
        <button type="submit" className="primary">
          Create key
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {created && (
        <div className="secret" data-testid="new-key">
          <p>
            Key <strong>{created.info.name}</strong>, shown this once: <code>{created.key}</code> <CopyButton text={created.key} />
          </p>
          <p>Install and start the agent on a machine (Node.js 20 or later):</p>
          <pre data-testid="install-command">{installCommand(origin, created.key)}</pre>
          <CopyButton text={installCommand(origin, created.key)} label="Copy the command" />{' '}
          <button type="button" className="ghost" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      <LoadState loading={keys.loading && !keys.data} error={keys.error} what="Keys" />
      {list.length > 0 && (
        <ListTable
          rows={list}
          rowKey={(k) => String(k.id)}
          rowProps={(k) => ({ className: k.revokedAt ? 'revoked' : '' })}
          columns={[
            { head: 'Name', cell: (k) => k.name },
            { head: 'Key starts with', cell: (k) => <code>{k.prefix}…</code> },
            { head: 'Created', cell: (k) => <Ago t={k.createdAt} /> },
            { head: 'Last used', cell: (k) => (k.lastUsedAt ? <Ago t={k.lastUsedAt} /> : 'never') },
            {
              head: null,
              className: 'row-actions',
              cell: (k) =>
                k.revokedAt ? (
                  <span className="muted">revoked</span>
                ) : (
                  <button type="button" className="danger" onClick={() => void revoke(k)}>
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      )}
      <p className="muted small">
        The agent without a new key: <code>{installCommand(origin, '<key>')}</code>
      </p>
    </Panel>
  );
}

function Channels({ me }: { me: Me }) {
  const res = useApi<unknown>('/api/v1/channels');
  const [result, setResult] = useState<Record<string, string>>({});
  const list = unwrap<Channel[]>(res.data, 'channels') ?? [];
  const test = async (c: Channel) => {
    setResult((r) => ({ ...r, [c.id]: 'sending…' }));
    try {
      await api(`/api/v1/channels/${encodeURIComponent(c.id)}/test`, { method: 'POST', body: {} });
      setResult((r) => ({ ...r, [c.id]: 'sent ✓' }));
    } catch (e) {
      setResult((r) => ({ ...r, [c.id]: `failed: ${e instanceof Error ? e.message : String(e)}` }));
    }
  };
  return (
    <Panel title="Notification channels">
      <LoadState loading={res.loading && !res.data} error={res.error} what="Channels" />
      {res.data !== undefined && list.length === 0 && (
        <p className="empty">No channels configured (add them under `alerting.channels` in the config file).</p>
      )}
      {list.length > 0 && (
        <ListTable
          rows={list}
          rowKey={(c) => c.id}
          columns={[
            { head: 'Channel', cell: (c) => c.id },
            { head: 'Type', cell: (c) => c.type },
            { head: 'Sends to', cell: (c) => c.target ?? c.to?.join(', ') ?? c.url ?? '' },
            {
              head: null,
              className: 'row-actions',
              cell: (c) => (
                <>
                  <button type="button" disabled={me.role === 'viewer'} onClick={() => void test(c)}>
                    Send test
                  </button>{' '}
                  <span role="status">{result[c.id]}</span>
                </>
              ),
            },
          ]}
        />
      )}
    </Panel>
  );
}

function Users({ me }: { me: Me }) {
  const res = useApi<{ users: UserInfo[] }>(me.role === 'admin' ? '/api/v1/users' : null);
  const [form, setForm] = useState({ name: '', password: '', role: 'viewer' as UserInfo['role'] });
  const [error, setError] = useState<string | undefined>();
  if (me.role !== 'admin') {
    return (
      <Panel title="Users and roles">
        <p className="empty">Only admins manage users.</p>
      </Panel>
    );
  }
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api('/api/v1/users', { method: 'POST', body: form });
      setForm({ name: '', password: '', role: 'viewer' });
      res.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Panel title="Users and roles">
      <LoadState loading={res.loading && !res.data} error={res.error} what="Users" />
      {res.data && (
        <ListTable
          rows={res.data.users}
          rowKey={(u) => String(u.id)}
          columns={[
            { head: 'User', cell: (u) => u.name },
            { head: 'Role', cell: (u) => u.role },
            { head: 'Since', cell: (u) => <Ago t={u.createdAt} /> },
          ]}
        />
      )}
      <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="New user">
        <label>
          Name
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required pattern="[A-Za-z0-9_.@\-]+" />
        </label>
        <label>
          Password
          <input
            type="password"
            value={form.password}
            minLength={8}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
            required
            autoComplete="new-password"
          />
        </label>
        <label>
          Role
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as UserInfo['role'] })}>
            <option value="viewer">viewer: looks</option>
            <option value="editor">editor: acknowledges, silences</option>
            <option value="admin">admin: everything</option>
          </select>
        </label>
        <button type="submit">Add user</button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Panel>
  );
}

/** Settings: agent keys with the one-line install, notification channels with "send test", users and roles. */
export function SettingsPage({ me }: { me: Me }) {
  return (
    <div className="page settings" data-page="settings">
      <PageHeader title="Settings" />
      <AgentKeys me={me} />
      <Channels me={me} />
      <Users me={me} />
    </div>
  );
}
