/**
 * storage/testing — helpers for tests of storage and of the layers above it.
 *  conformance suite  the Backend contract as node:test tests, run by every backend
 *  faulty backend     a wrapper that injects planned faults and checks that each fired
 *  s3rver             a throwaway S3 server on loopback
 *  fault proxy        an HTTP proxy that makes a real S3 server misbehave on cue
 * Never imported by production code.
 */
export { backendConformanceSuite, collect, rejectsWithKind, type OpenedBackend } from './conformance.js';
export { FaultyBackend, type FaultKind, type FaultPlan } from './faulty-backend.js';
export { startS3rver, type RunningS3rver } from './s3rver.js';
export { startS3FaultProxy, type HttpFault, type HttpFaultPlan, type S3FaultProxy } from './s3-fault-proxy.js';
export { SeededRandom, testSeed, withSeed } from '../../testing/seeded-random.js';
