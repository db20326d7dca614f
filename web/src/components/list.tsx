import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../lib/api.js';
import type { ApiState } from '../lib/hooks.js';
import { LoadState, Panel } from './ui.js';

/** One column of a ListTable: its header, and what each row shows in it. */
export interface Column<T> {
  /** Header cell; null for an empty one (e.g. above row actions). */
  head: ReactNode;
  /** Tooltip of the header cell. */
  title?: string;
  cell: (row: T) => ReactNode;
  /** Class of the column's cells, e.g. `row-actions`. */
  className?: string;
  /** Tooltip of each cell. */
  cellTitle?: (row: T) => string | undefined;
}

/** A `table.list`: one header row, then one row per item, cells as the columns say. */
export function ListTable<T>({
  rows,
  columns,
  rowKey,
  rowProps,
  testId,
}: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  /** Extra attributes of a row's `tr`, e.g. a class or a `data-` attribute for tests. */
  rowProps?: (row: T) => Record<string, string>;
  testId?: string;
}) {
  return (
    <table className="list" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            // Columns are fixed per table: their position is their identity.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <th key={i} title={c.title}>
              {c.head}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={rowKey(r)} {...rowProps?.(r)}>
            {columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns are fixed per table
              <td key={i} className={c.className} title={c.cellTitle?.(r)}>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A panel listing a collection the API can create, edit and delete items of (`path`, items at `path/<id>`):
 * a "new" button and Edit/Delete per row for those who may write, the create-or-edit form above the table while
 * open, and a confirmation before deleting.
 */
export function CrudPanel<T extends { id: string }>({
  title,
  newLabel,
  what,
  emptyText,
  path,
  source,
  rows,
  columns,
  canWrite,
  form,
  onError,
}: {
  title: string;
  newLabel: string;
  /** What the loading and error messages call the collection. */
  what: string;
  emptyText: string;
  path: string;
  source: ApiState<unknown>;
  rows: readonly T[];
  columns: readonly Column<T>[];
  canWrite: boolean;
  /** The create-or-edit form: `initial` is undefined to create; it calls `onDone` when saved or cancelled. */
  form: (initial: T | undefined, onDone: () => void) => ReactNode;
  onError: (message: string) => void;
}) {
  const [editing, setEditing] = useState<T | 'new' | undefined>();
  const remove = async (row: T) => {
    if (!confirm('Delete it?')) return;
    try {
      await api(`${path}/${encodeURIComponent(row.id)}`, { method: 'DELETE' });
      source.reload();
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
    }
  };
  const actions: Column<T> = {
    head: null,
    className: 'row-actions',
    cell: (r) =>
      canWrite && (
        <>
          <button type="button" onClick={() => setEditing(r)}>
            Edit
          </button>
          <button type="button" className="danger" onClick={() => void remove(r)}>
            Delete
          </button>
        </>
      ),
  };
  return (
    <Panel
      title={title}
      actions={
        canWrite && !source.error ? (
          <button type="button" onClick={() => setEditing('new')}>
            {newLabel}
          </button>
        ) : undefined
      }
    >
      <LoadState loading={source.loading && !source.data} error={source.error} what={what} />
      {editing &&
        form(editing === 'new' ? undefined : editing, () => {
          setEditing(undefined);
          source.reload();
        })}
      {source.data !== undefined && rows.length === 0 && <p className="empty">{emptyText}</p>}
      {rows.length > 0 && <ListTable rows={rows} rowKey={(r) => r.id} columns={[...columns, actions]} />}
    </Panel>
  );
}

/**
 * Submitting a create-or-edit form of a collection at `path`: POST `path` to create, PUT `path/<id>` to save an
 * edited item; `onDone` after success, the server's message in `error` otherwise.
 */
export function useSaveForm(path: string, editedId: string | undefined, onDone: () => void) {
  const [error, setError] = useState<string | undefined>();
  const submit = (body: unknown) => async (e: FormEvent) => {
    e.preventDefault();
    try {
      if (editedId !== undefined) await api(`${path}/${encodeURIComponent(editedId)}`, { method: 'PUT', body });
      else await api(path, { method: 'POST', body });
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return { error, submit };
}

/** The end of a create-or-edit form: Save (or the create label), Cancel, and the error if saving failed. */
export function SaveCancel({
  editing,
  createLabel,
  onCancel,
  error,
}: {
  editing: boolean;
  createLabel: string;
  onCancel: () => void;
  error: string | undefined;
}) {
  return (
    <>
      <button type="submit" className="primary">
        {editing ? 'Save' : createLabel}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error && <p className="error">{error}</p>}
    </>
  );
}
