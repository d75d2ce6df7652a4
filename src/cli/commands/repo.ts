import { chmod, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { DirEntry, Snapshot } from '../../repo/index.js';
import { CliError, formatBytes, formatTime, printJson, table } from '../output.js';
import { addRepoOptions, type RepoFlags } from '../repo-options.js';
import { ProgressBar } from '../repo-progress.js';
import { lockWaitNotice, lockWaitOption, parseDuration, registerRepoMaintenance } from './repo-maintenance.js';

// The engine and the storage backends (with the S3 SDK) load when a repo command runs,
// not when any `cbs` command starts.
const engine = () => import('../../repo/index.js');
const access = () => import('../repo-access.js');

/**
 * `cbs repo …` drives the engine directly on a repository location, with no control
 * plane: the disaster-recovery path, and the way to inspect what the service stored.
 */
export function registerRepo(program: Command): void {
  const repo = program.command('repo').description('work on a backup repository directly, without a server (disaster recovery)');

  cmd(repo, 'init', 'create a new repository at --repo')
    .option('--create-bucket', 'S3: create the bucket when it is missing')
    .action(run(async (o: RepoFlags & { createBucket?: boolean }) => {
      const { createRepo } = await access();
      const r = await createRepo(o, o.createBucket ?? false);
      await r.backend.close();
      if (o.json) return printJson({ id: r.id, location: r.backend.location });
      process.stdout.write(`created repository ${r.id.slice(0, 16)} at ${r.backend.location}\n`);
    }));

  lockWaitOption(cmd(repo, 'backup', 'back up a directory into a new snapshot')
    .argument('<dir>', 'directory to back up')
    .option('--parent <id>', "snapshot to compare with for unchanged files: an id, a prefix, or 'latest' (default: latest of this directory)", 'latest')
    .option('--tag <tag...>', 'tags to record on the snapshot')
    .option('--host <name>', 'hostname to record (default: this host)'))
    .action(run(async (dir: string, o: RepoFlags & { parent: string; tag?: string[]; host?: string; lockWait: string }) => {
      const { backup } = await engine();
      const { openRepo, withRepo } = await access();
      const lockWait = { timeoutMs: parseDuration(o.lockWait, '--lock-wait'), onWait: lockWaitNotice() };
      const bar = new ProgressBar('backup', !o.json);
      const res = await withRepo(await openRepo(o), (r) => backup(r, {
        sourceDir: dir, parent: o.parent, tags: o.tag ?? [], ...(o.host ? { hostname: o.host } : {}),
        onProgress: (p) => bar.update(p), lockWait,
      })).finally(() => bar.stop());
      if (o.json) return printJson({ snapshot: snapshotJson(res.snapshot), summary: res.summary });
      const s = res.summary;
      process.stdout.write([
        `snapshot ${res.snapshot.id.slice(0, 16)} saved`,
        `files    ${s.totalFiles} (${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unchanged)`,
        `dirs     ${s.totalDirs} (${s.dirsNew} new, ${s.dirsChanged} changed, ${s.dirsUnmodified} unchanged)`,
        `data     ${formatBytes(s.totalBytes)} in snapshot, ${formatBytes(s.bytesRead)} read, ${formatBytes(s.dataAdded)} new (${formatBytes(s.dataAddedStored)} stored)`,
        ...s.errors.map((e) => `error    ${e.path}: ${e.message}`),
      ].join('\n') + '\n');
      // A partial backup is still a valid snapshot, but scripts must notice it.
      if (s.errors.length > 0) process.exitCode = 3;
    }));

  cmd(repo, 'snapshots', 'list snapshots, oldest first')
    .action(run(async (o: RepoFlags) => {
      const { listSnapshots } = await engine();
      const { openRepo, withRepo } = await access();
      const snaps = await withRepo(await openRepo(o, { skipIndex: true }), (r) => listSnapshots(r));
      if (o.json) return printJson({ snapshots: snaps.map(snapshotJson) });
      process.stdout.write(table(snaps.map((s) => ({
        id: s.id.slice(0, 16), time: formatTime(Date.parse(s.time)), host: s.hostname, tags: s.tags.join(','),
        files: s.summary?.totalFiles ?? '', size: s.summary ? formatBytes(s.summary.totalBytes) : '', paths: s.paths.join(' '),
      })), ['id', 'time', 'host', 'tags', 'files', 'size', 'paths']));
    }));

  cmd(repo, 'ls', 'list one directory of a snapshot')
    .argument('<snapshot>', "snapshot id, unique prefix, or 'latest'")
    .argument('[path]', 'directory inside the snapshot', '/')
    .action(run(async (ref: string, path: string, o: RepoFlags) => {
      const { findSnapshot, listDir } = await engine();
      const { openRepo, withRepo } = await access();
      const { snap, entries } = await withRepo(await openRepo(o), async (r) => {
        const snap = await findSnapshot(r, ref);
        const entries: DirEntry[] = [];
        let offset: number | undefined = 0;
        while (offset !== undefined) {
          const page = await listDir(r, snap.id, path, { offset, limit: 1000 });
          entries.push(...page.entries);
          offset = page.nextOffset;
        }
        return { snap, entries };
      });
      if (o.json) return printJson({ snapshot: snap.id, path, entries });
      process.stdout.write(table(entries.map((e) => ({
        type: e.type, size: e.type === 'dir' ? '' : e.size, mtime: formatTime(e.mtime), path: e.path,
      })), ['type', 'size', 'mtime', 'path']));
    }));

  lockWaitOption(cmd(repo, 'restore', 'restore a snapshot, or chosen files and folders of it, into a directory')
    .argument('<snapshot>', "snapshot id, unique prefix, or 'latest'")
    .requiredOption('--target <dir>', 'directory to restore into (created if missing)')
    .option('--include <path...>', 'restore only these paths of the snapshot (files or folders)')
    .option('--overwrite', 'replace files that already exist in the target'))
    .action(run(async (ref: string, o: RepoFlags & { target: string; include?: string[]; overwrite?: boolean; lockWait: string }) => {
      const { restore } = await engine();
      const { openRepo, withRepo } = await access();
      const lockWait = { timeoutMs: parseDuration(o.lockWait, '--lock-wait'), onWait: lockWaitNotice() };
      const bar = new ProgressBar('restore', !o.json);
      const sum = await withRepo(await openRepo(o), (r) => restore(r, {
        snapshotId: ref, targetDir: o.target, overwrite: o.overwrite ?? false,
        ...(o.include ? { include: o.include } : {}),
        onProgress: (p) => bar.update(p), lockWait,
      })).finally(() => bar.stop());
      if (o.json) return printJson({ restore: sum, target: o.target });
      process.stdout.write(`restored snapshot ${sum.snapshotId.slice(0, 16)} into ${o.target}: ${sum.files} files, ${sum.dirs} dirs, ` +
        `${sum.symlinks} symlinks, ${sum.hardlinks} hard links, ${formatBytes(sum.bytes)}` +
        `${sum.skipped ? ` (${sum.skipped} special files not re-created)` : ''}\n`);
    }));

  cmd(repo, 'check', 'verify the repository structure (and with --read-data, every stored byte)')
    .option('--read-data', 'read, decrypt and verify every blob')
    .action(run(async (o: RepoFlags & { readData?: boolean }) => {
      const { check } = await engine();
      const { openRepo, repoLocation, withRepo } = await access();
      const bar = new ProgressBar('check', !o.json);
      // check takes its own shared lock and loads a fresh index, so none is loaded here.
      const res = await withRepo(await openRepo(o, { skipIndex: true }), (r) => check(r, {
        readData: o.readData ?? false, onProgress: (p) => bar.step(p.phase, p.done, p.total),
      })).finally(() => bar.stop());
      if (o.json) printJson(res);
      else {
        for (const e of res.errors) process.stdout.write(`error  ${e.kind}  ${e.object}: ${e.message}\n`);
        process.stdout.write(`${res.snapshots} snapshots, ${res.packs} packs, ${res.blobs} blobs${o.readData ? ', all data read' : ''}: ` +
          `${res.ok ? 'no errors' : `${res.errors.length} error(s)`}\n`);
      }
      if (!res.ok) throw new CliError(`check found ${res.errors.length} error(s) in ${repoLocation(o)} (REPO_INTEGRITY)`);
    }));

  cmd(repo, 'unlock', 'remove stale locks (older than 30 minutes, or of a dead process on this host)')
    .action(run(async (o: RepoFlags) => {
      const { isStale, listLocks } = await engine();
      const { openRepo, withRepo } = await access();
      const removed = await withRepo(await openRepo(o, { skipIndex: true }), async (r) => {
        const stale = (await listLocks(r)).filter((l) => isStale(l.doc));
        for (const l of stale) await r.deleteObject('lock', l.id);
        return stale.map((l) => ({ id: l.id, ...l.doc }));
      });
      if (o.json) return printJson({ removed });
      process.stdout.write(`removed ${removed.length} stale lock(s)\n`);
    }));

  registerRepoMaintenance(repo, cmd, run);

  const key = repo.command('key').description('keys of a repository');
  cmd(key, 'export', 'print the master key as a key export, for restore without the passphrase or server (keep it secret)')
    .option('--output <file>', 'write the key export to this file (mode 0600) instead of stdout')
    .action(run(async (o: RepoFlags & { output?: string }) => {
      const { exportKey } = await engine();
      const { openRepo, withRepo } = await access();
      const k = await withRepo(await openRepo(o, { skipIndex: true }), async (r) => exportKey(r));
      if (o.output) {
        await writeFile(o.output, k + '\n', { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
          throw new CliError(`cannot write ${o.output}: ${e.code === 'EEXIST' ? 'file exists' : e.message}`);
        });
        await chmod(o.output, 0o600);
        if (o.json) printJson({ output: o.output });
        return;
      }
      if (o.json) return printJson({ key: k });
      process.stdout.write(k + '\n');
    }));
}

function cmd(parent: Command, name: string, description: string): Command {
  return addRepoOptions(parent.command(name).description(description));
}

/** Commander passes positional arguments, then the options, then the command. */
function run<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      throw (await access()).explainStorage(e);
    }
  };
}

function snapshotJson(s: Snapshot): Record<string, unknown> {
  return { id: s.id, time: s.time, hostname: s.hostname, paths: s.paths, tags: s.tags, ...(s.parent ? { parent: s.parent } : {}), tree: s.tree, summary: s.summary };
}
