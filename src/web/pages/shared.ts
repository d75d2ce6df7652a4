import { useEffect, useMemo, useState } from 'preact/hooks';
import { useApi, useConsole, type Loaded } from '../context';
import type { BackedUpVolume, BackupWorkingEnvironment, WorkingEnvironment } from '../api/types';

/** The account's working environments (GET P/v1/working-environment). */
export function useEnvironments(): Loaded<WorkingEnvironment[]> {
  const { api } = useConsole();
  return useApi(async () => (await api.get<{ 'working-environment': WorkingEnvironment[] }>('/v1/working-environment'))['working-environment'], [api]);
}

/** Their backup state (GET P/v1/backup/working-environment). */
export function useBackupEnvironments(): Loaded<BackupWorkingEnvironment[]> {
  const { api } = useConsole();
  return useApi(async () => (await api.get<{ 'working-environment': BackupWorkingEnvironment[] }>('/v1/backup/working-environment'))['working-environment'], [api]);
}

/** The volumes of one working environment with their backup state. */
export function useBackedUpVolumes(weId: string | undefined): Loaded<BackedUpVolume[]> {
  const { api } = useConsole();
  return useApi(async () => (weId ? (await api.get<{ volume: BackedUpVolume[] }>(`/v1/backup/working-environment/${enc(weId)}/volume`)).volume : []), [api, weId]);
}

/** id → name of the account's working environments, for lists that carry ids only. */
export function useEnvironmentNames(): Map<string, string> {
  const wes = useEnvironments();
  return useMemo(() => new Map((wes.value ?? []).map((w) => [w.id, w.name])), [wes.value]);
}

/** The time now, ticking every second while `active` (durations of running jobs). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return active ? now : Date.now();
}

export const enc = encodeURIComponent;
