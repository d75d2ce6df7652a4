import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import type { BackedUpVolume } from '../api/types';
import { useConsole } from '../context';
import { Link, navigate, withQuery } from '../router';
import { ErrorBox } from './ui';

export interface VolumeActionsProps {
  weId: string;
  volume: BackedUpVolume;
  /** Backup is activated on the working environment (backups can be taken). */
  backupOn: boolean;
  /** Leave out the link to the volume's own page (when already on it). */
  onVolumePage?: boolean;
}

/**
 * What can be done to one volume, by role and state: back up now, its backups, restore.
 * Every volume action of the console is listed here, so pages show the same set and a
 * viewer sees none that would fail. Pause / resume and assigning a policy belong here.
 */
export function VolumeActions({ weId, volume, backupOn, onVolumePage }: VolumeActionsProps): JSX.Element {
  const { api, canOperate } = useConsole();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const id = volume['file-system-id'];
  const hasBackups = Number(volume['snapshot-count']) > 0;

  const backUpNow = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post<{ 'job-id': string }>(`/v3/backup/working-environment/${encodeURIComponent(weId)}/volume/${encodeURIComponent(id)}`, { mode: 'AD_HOC' });
      navigate(`/jobs/${r['job-id']}`);
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  };

  return (
    <div class="row-actions" role="group" aria-label={`Actions for ${volume.name}`}>
      {canOperate && backupOn && (
        <button type="button" data-action="backup-now" onClick={backUpNow} disabled={busy}>{busy ? 'Starting…' : 'Back up now'}</button>
      )}
      {!onVolumePage && <Link class="button" href={`/environments/${encodeURIComponent(weId)}/volumes/${encodeURIComponent(id)}`}>Backups</Link>}
      {canOperate && hasBackups && (
        <Link class="button" data-action="restore" href={withQuery('/restore', { we: weId, volume: id })}>Restore…</Link>
      )}
      <ErrorBox error={error} />
    </div>
  );
}
