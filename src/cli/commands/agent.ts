import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readAgentCredentials, writeAgentCredentials, type AgentWeConfig } from '../../agent/index.js';
import { loadConfig } from '../../config/index.js';
import { connect, type ConnectionFlags } from '../client.js';
import { CliError, printJson } from '../output.js';
import { addConnectionOptions } from './job.js';

function parseWe(v: string, prev: AgentWeConfig[]): AgentWeConfig[] {
  const m = /^([A-Za-z0-9._-]+)=(.+)$/.exec(v);
  if (!m) throw new CliError(`--we ${v}: expected NAME=ROOT (e.g. site1=/srv/exports)`);
  return [...prev, { name: m[1]!, root: resolve(m[2]!) }];
}

export function registerAgent(program: Command): void {
  const agent = program.command('agent')
    .description('run a standalone agent that owns working environments (cbs agent --server URL --credentials FILE --we NAME=ROOT …)')
    .option('--server <url>', 'control plane URL (overrides the credentials file)')
    .option('--credentials <file>', 'agent credentials file (from `cbs agent create`)')
    .option('--we <name=root>', 'a working environment: NAME=ROOT, repeatable', parseWe, [] as AgentWeConfig[])
    .option('--svm <name>', 'SVM name the volumes report', 'svm0')
    .option('--concurrency <n>', 'tasks at once (env CBS_AGENT_CONCURRENCY)')
    .option('--claim-wait <ms>', 'long-poll length (env CBS_AGENT_CLAIM_WAIT_MS)')
    .option('--discover-interval <ms>', 'volume rediscovery period (env CBS_DISCOVER_INTERVAL_MS)')
    .option('--workers <n>', 'engine worker threads per task (env CBS_ENGINE_WORKERS)')
    .option('--log-level <level>', 'info | warn | error | silent', 'info')
    .action(async (o: { server?: string; credentials?: string; we: AgentWeConfig[]; svm: string; concurrency?: string; claimWait?: string; discoverInterval?: string; workers?: string; logLevel: string }) => {
      if (!o.credentials) throw new CliError('--credentials FILE is required (create one with `cbs agent create --out FILE`)');
      if (o.we.length === 0) throw new CliError('at least one --we NAME=ROOT is required');
      const cfg = loadConfig({
        ...(o.concurrency ? { agentConcurrency: o.concurrency } : {}), ...(o.claimWait ? { claimWaitMs: o.claimWait } : {}),
        ...(o.discoverInterval ? { discoverIntervalMs: o.discoverInterval } : {}), ...(o.workers ? { engineWorkers: o.workers } : {}),
      });
      const creds = await readAgentCredentials(o.credentials);
      if (o.server) creds.server = o.server;
      const levels = ['error', 'warn', 'info'];
      const max = o.logLevel === 'silent' ? -1 : levels.indexOf(o.logLevel);
      const ac = new AbortController();
      // Loaded on use: the engine is heavy and other commands do not need it.
      const { startAgent } = await import('../../main/agent-runtime.js');
      const a = await startAgent({
        credentials: creds, workingEnvironments: o.we.map((w) => ({ ...w, svm: o.svm })),
        concurrency: cfg.agent.concurrency, claimWaitMs: cfg.agent.claimWaitMs, discoverIntervalMs: cfg.agent.discoverIntervalMs,
        workers: cfg.agent.workers, stallMs: cfg.agent.stallMs, signal: ac.signal,
        log: (level, msg, fields) => {
          if (levels.indexOf(level) <= max) process.stderr.write(JSON.stringify({ time: Date.now(), level, msg, ...fields }) + '\n');
        },
      });
      const ids = [...a.workingEnvironments].map(([n, id]) => `${n}=${id}`).join(' ');
      process.stderr.write(`agent ${creds.agentId} serving ${ids} for ${creds.server}\n`);
      await new Promise<void>((done) => {
        const onSignal = (): void => { ac.abort(); void a.stop().then(done); };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });

  addConnectionOptions(agent.command('create').description('create an agent credential (admin); writes it to --out'))
    .option('--name <name>', 'agent name', hostname())
    .requiredOption('--out <file>', 'where to write the agent credentials (mode 0600)')
    .action(async (o: ConnectionFlags & { json?: boolean; name: string; out: string }) => {
      const client = await connect(o);
      const url = `${client.c.server.replace(/\/$/, '')}/agent/v1/agents`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${client.c.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ accountId: client.accountId, name: o.name }),
      });
      const body = (await res.json()) as { agentId?: string; agentSecret?: string; accountId?: string; message?: string; code?: string };
      if (!res.ok || !body.agentId || !body.agentSecret) throw new CliError(`${body.message ?? `HTTP ${res.status}`}${body.code ? ` (${body.code})` : ''}`);
      await writeAgentCredentials(o.out, { server: client.c.server, accountId: body.accountId ?? client.accountId, agentId: body.agentId, agentSecret: body.agentSecret });
      if (o.json) return printJson({ agentId: body.agentId, accountId: body.accountId, credentials: o.out });
      process.stdout.write(`agent ${body.agentId} created; credentials in ${o.out}\n`);
    });
}
