import { closeSync, constants, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { chunkStream, gearTable, WasmCutter } from '../chunker/index.js';
import { blobId } from '../crypto/index.js';
import { RepoError, isRepoError } from '../errors.js';
import { encodePayload, openVerifiedBlob } from '../pack/index.js';
import { INLINE_CHUNK_MAX, owned, transferable, type FileOutcome, type FromWorker, type ToWorker, type WireError, type WorkerKeys } from './protocol.js';

const port = parentPort!;
const keys = workerData as WorkerKeys;
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const encKey = buf(keys.encKey);
const macKey = buf(keys.macKey);
const gear = gearTable(keys.chunkerSeed);
const answers = new Map<number, (a: { store: boolean; sendPlain: boolean }) => void>();

function post(m: FromWorker, views: Uint8Array[] = []): void {
  port.postMessage(m, transferable(views));
}

function wireError(e: unknown): WireError {
  if (isRepoError(e)) return { message: e.message, code: e.code, object: e.object, integrity: e.code === 'REPO_INTEGRITY' };
  const err = e as NodeJS.ErrnoException;
  return { message: err?.message ?? String(e), code: err?.code };
}

const cutter = new WasmCutter(gear);

/** Chunks one file; small chunks are sealed and sent straight away, large ones after the main thread says they are new. */
async function chunkFile(job: number, path: Buffer): Promise<FileOutcome> {
  let fd: number | undefined;
  try {
    // O_NOFOLLOW: the entry was a regular file when walked; never read through a symlink swapped in since.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const f = fd;
    const content: string[] = [];
    let size = 0;
    for (const chunk of chunkStream(gear, (b, o, l) => readSync(f, b, o, l, null), cutter.buffer, cutter.findCut)) {
      const id = blobId(macKey, chunk);
      size += chunk.length;
      content.push(id.toString('hex'));
      let confirmed = false;
      if (chunk.length > INLINE_CHUNK_MAX) {
        const a = await new Promise<{ store: boolean; sendPlain: boolean }>((resolve) => {
          answers.set(job, resolve);
          post({ t: 'query', job, id });
        });
        if (!a.store) continue;
        if (a.sendPlain) {
          // Another worker is idle: let it compress and seal while this one keeps chunking.
          const data = owned(chunk);
          post({ t: 'plain', job, id, data }, [data]);
          continue;
        }
        confirmed = true;
      }
      const sealed = encodePayload(encKey, 'blob', chunk);
      post({ t: 'blob', job, blob: { id, sealed, rawLength: chunk.length }, confirmed }, [sealed]);
    }
    return { content, size };
  } catch (e) {
    return { error: wireError(e) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function chunkFiles(job: number, paths: readonly string[]): Promise<void> {
  const files: FileOutcome[] = [];
  for (const p of paths) files.push(await chunkFile(job, Buffer.from(p, 'latin1')));
  post({ t: 'files-done', job, files });
}

function openBlobs(job: number, packId: string, data: Uint8Array, blobs: readonly { id: Uint8Array; offset: number; length: number; rawLength: number }[], verifyOnly: boolean): void {
  try {
    const b = buf(data);
    const plains: Uint8Array[] = [];
    for (const x of blobs) {
      if (x.offset + x.length > b.length) throw new RepoError('REPO_INTEGRITY', `blob ${buf(x.id).toString('hex')} lies outside the bytes read from pack ${packId}`, { object: `data/${packId.slice(0, 2)}/${packId}` });
      const plain = openVerifiedBlob(encKey, macKey, buf(x.id), b.subarray(x.offset, x.offset + x.length), x.rawLength, packId);
      if (!verifyOnly) plains.push(owned(plain));
    }
    post({ t: 'opened', job, plains }, plains);
  } catch (e) {
    post({ t: 'error', job, error: wireError(e) });
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'answer': {
      const r = answers.get(m.job);
      answers.delete(m.job);
      r?.({ store: m.store, sendPlain: m.sendPlain });
      break;
    }
    case 'seal': {
      const sealed = encodePayload(encKey, 'blob', buf(m.data));
      post({ t: 'sealed', job: m.job, sealed }, [sealed]);
      break;
    }
    case 'files':
      void chunkFiles(m.job, m.paths);
      break;
    case 'open':
      openBlobs(m.job, m.packId, m.buf, m.blobs, m.verifyOnly);
      break;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
