/**
 * Every default setting of OpenCBS, once, with the reason for its value. loadConfig()
 * fills a Config from these; the layers that can be built without a Config (the API in
 * tests, the agent, the lease rules) take their fallbacks from here too, so a default
 * cannot differ between the CLI, `cbs serve` and a library caller.
 */
export const DEFAULTS = Object.freeze({
  /** State lives next to where `cbs` runs until told otherwise: nothing is written elsewhere. */
  home: './.cbs',
  /** Loopback: a fresh install exposes nothing to the network. */
  host: '127.0.0.1',
  port: 8080,
  /** Enough for a restore request naming thousands of files, small enough that a body cannot exhaust memory. */
  bodyLimit: 1024 * 1024,
  logLevel: 'info',

  /** A lease long enough to survive a slow heartbeat round trip, short enough to notice a dead agent within a minute. */
  leaseMs: 30_000,
  /** Expired leases are found within a few seconds; each sweep is one indexed query. */
  leaseSweepIntervalMs: 5_000,
  /** One retry after a lost agent: a killed agent's task is redone once, a task that kills its agent is not redone forever. */
  maxAttempts: 2,
  /** A person waits on a browse: answer 503 rather than keep them waiting longer than this. */
  agentCallTimeoutMs: 15_000,
  /**
   * A task of a running job waits this long for its agent (given back after an expired
   * lease, or not yet claimed while other tasks of its job ran) before it fails: two
   * minutes covers an agent restart, and a job never stays IN_PROGRESS forever.
   */
  agentGoneMs: 120_000,
  /** Longest long-poll a claim may ask for: below common proxy idle timeouts (60 s). */
  maxClaimWaitMs: 30_000,
  /** A waiting claim re-reads the store this often for work created by another instance. */
  claimPollMs: 250,
  /** An agent seen within this long shows its working environments ON (three missed discovery rounds). */
  agentOnlineMs: 60_000,

  /** Two tasks at once keep a small machine responsive while one waits on the network. */
  agentConcurrency: 2,
  /** An agent's long-poll: short enough to notice a restarted control plane, long enough not to poll. */
  agentClaimWaitMs: 20_000,
  /** Volumes appearing or vanishing show within half a minute. */
  discoverIntervalMs: 30_000,
  /** 0 = one engine worker per core. */
  engineWorkers: 0,
  /** A task whose progress has not moved for 15 min is hung (a network file system that stopped answering). */
  agentStallMs: 900_000,
  /** How long stopping an agent waits for its aborted tasks to wind down. */
  agentStopTimeoutMs: 10_000,
});

export type Defaults = typeof DEFAULTS;
