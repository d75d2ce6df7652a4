import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ExploreEntry, ExplorePage } from '../api/types';
import { useApi, useConsole } from '../context';
import { bytes, when } from '../format';
import { Empty, ErrorBox, Loading, TableBox } from './ui';

const PAGE = 50;

export interface BackupRef { weId: string; volumeId: string; backupId: string }

/**
 * Browses one backup page by page (GET P/v1/sfr/…/file-explore/list) and picks from it:
 * files (any number, across folders and pages) or one folder. The picked entries are
 * the browse answers themselves, which is what a restore request echoes back.
 */
export function BackupBrowser({ backup, mode, picked, onPick }: {
  backup: BackupRef;
  mode: 'file' | 'folder';
  picked: Map<string, ExploreEntry>;
  onPick(next: Map<string, ExploreEntry>): void;
}): JSX.Element {
  const { api } = useConsole();
  const [path, setPath] = useState('/');
  const [page, setPage] = useState(1);
  const url = `/v1/sfr/working-environment/${encodeURIComponent(backup.weId)}/volume/${encodeURIComponent(backup.volumeId)}/snapshot/${encodeURIComponent(backup.backupId)}/file-explore/list`;
  const listing = useApi(() => api.get<ExplorePage>(url, { path, page, limit: PAGE }), [api, url, path, page]);

  const open = (p: string): void => { setPath(p); setPage(1); };
  const toggle = (e: ExploreEntry): void => {
    const x = new Map(mode === 'folder' ? [] : picked);
    if (picked.has(e.path)) x.delete(e.path); else x.set(e.path, e);
    onPick(x);
  };
  const crumbs = path.split('/').filter(Boolean);
  const cfg = listing.value?.pageConfig;

  return (
    <div class="browser">
      <nav class="crumbs" aria-label="Folder">
        <button type="button" class="link" onClick={() => open('/')}>{'volume root'}</button>
        {crumbs.map((c, i) => (
          <span key={i}> / <button type="button" class="link" onClick={() => open(`/${crumbs.slice(0, i + 1).join('/')}`)}>{c}</button></span>
        ))}
      </nav>
      <ErrorBox error={listing.error} />
      {listing.loading && !listing.value && <Loading what="the folder" />}
      {listing.value && listing.value.context.length === 0 && <Empty title="This folder is empty in the backup." />}
      {listing.value && listing.value.context.length > 0 && (
        <TableBox label="Folder contents">
          <table class="browse">
            <thead><tr><th scope="col"><span class="visually-hidden">Pick</span></th><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Modified</th></tr></thead>
            <tbody>
              {listing.value.context.map((e) => {
                const dir = e.type === 'DIRECTORY';
                const pickable = mode === 'folder' ? dir : e.type === 'FILE' || e.type === 'SYMLINK';
                return (
                  <tr key={e.path} data-entry={e.name}>
                    <td>
                      {pickable && (
                        <input
                          type={mode === 'folder' ? 'radio' : 'checkbox'} name="pick" aria-label={`Pick ${e.name}`}
                          checked={picked.has(e.path)} onChange={() => toggle(e)}
                        />
                      )}
                    </td>
                    <td>
                      {dir
                        ? <button type="button" class="link" data-open={e.name} onClick={() => open(e.path)}>{e.name}/</button>
                        : <span>{e.name}</span>}
                    </td>
                    <td class="num">{dir ? '—' : bytes(e.size)}</td>
                    <td>{when(e.mtime)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableBox>
      )}
      {cfg && (cfg.next || cfg.previous) && (
        <nav class="pager" aria-label="Pages of the folder">
          <button type="button" disabled={!cfg.previous} onClick={() => setPage(page - 1)}>← Previous</button>
          <span>{cfg.startIndex + 1}–{cfg.endIndex} of {cfg.total.toLocaleString()}</span>
          <button type="button" disabled={!cfg.next} onClick={() => setPage(page + 1)}>Next →</button>
        </nav>
      )}
    </div>
  );
}
