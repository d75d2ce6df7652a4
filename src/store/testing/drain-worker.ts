import { parentPort, workerData } from 'node:worker_threads';
import { openJobStore, type OpenJobStoreOptions } from '../open.js';

/**
 * A claimer in its own thread (own event loop, own connection) for the concurrency
 * tests: opens the store, waits for 'go', then claims and completes tasks of
 * `agentId` until none is left, and posts back the ids it got.
 */
interface Data { options: OpenJobStoreOptions; agentId: string; leaseMs: number }

const port = parentPort;
if (port === null) throw new Error('drain-worker must run as a worker thread');
const { options, agentId, leaseMs } = workerData as Data;
const store = await openJobStore(options);
port.postMessage({ ready: true });
port.once('message', () => {
  void (async () => {
    const got: string[] = [];
    try {
      for (;;) {
        const t = await store.claimTask(agentId, { leaseMs });
        if (t === undefined) break;
        got.push(t.id);
        await store.completeTask(t.id, agentId, t.leaseToken!, { result: {} });
      }
      port.postMessage({ got });
    } catch (e) {
      port.postMessage({ error: e instanceof Error ? `${e.message} (${String((e as { cause?: unknown }).cause)})` : String(e) });
    } finally {
      await store.close();
    }
  })();
});
