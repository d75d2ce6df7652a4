import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/**
 * error          answer with this HTTP status and an S3 XML error body `code`
 * reset-mid-body forward the request, send the response headers and half the body, then cut the connection
 * reset          cut the connection before answering
 * stall          read the request and never answer (until the proxy stops)
 */
export type HttpFault =
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message?: string }
  | { readonly kind: 'reset-mid-body' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'stall' };

export interface HttpFaultPlan {
  fault: HttpFault;
  /** Only requests with this method count. */
  method?: 'GET' | 'PUT' | 'HEAD' | 'DELETE' | 'POST';
  /** Consecutive matching requests it applies to; Infinity for all. @default 1 */
  times?: number;
}

export interface S3FaultProxy {
  endpoint: string;
  plan(p: HttpFaultPlan): void;
  /** Requests that received a fault. */
  readonly faulted: number;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of an S3 server that answers scripted requests the way a
 * struggling or misconfigured store does (503 SlowDown, 403 SignatureDoesNotMatch,
 * connections cut mid-body), so the S3 backend's error mapping is tested against
 * what the SDK really produces.
 */
export async function startS3FaultProxy(target: string): Promise<S3FaultProxy> {
  const t = new URL(target);
  const plans: { p: HttpFaultPlan; left: number }[] = [];
  let faulted = 0;

  const take = (method: string | undefined): HttpFault | undefined => {
    const i = plans.findIndex((x) => x.left > 0 && (x.p.method === undefined || x.p.method === method));
    if (i < 0) return undefined;
    const x = plans[i]!;
    x.left--;
    faulted++;
    return x.p.fault;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const fault = take(req.method);
    if (fault?.kind === 'stall') {
      req.resume();
      return;
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'error') {
      req.resume();
      req.on('end', () => {
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${fault.message ?? fault.code}</Message><RequestId>proxy</RequestId></Error>`;
        res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      });
      return;
    }
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (fault?.kind !== 'reset-mid-body') {
        upRes.pipe(res);
        return;
      }
      const total = Number(upRes.headers['content-length'] ?? 0);
      let sent = 0;
      upRes.on('data', (chunk: Buffer) => {
        const room = Math.floor(total / 2) - sent;
        if (room > 0) { res.write(chunk.subarray(0, room)); sent += Math.min(room, chunk.length); }
        if (sent >= Math.floor(total / 2)) { upRes.destroy(); res.socket?.destroy(); }
      });
    });
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    plan(p) { plans.push({ p, left: p.times ?? 1 }); },
    get faulted() { return faulted; },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((res, rej) => server.close((e) => (e ? rej(e) : res())));
    },
  };
}
