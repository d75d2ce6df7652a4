import { backendConformanceSuite } from '../testing/conformance.js';
import { MemBackend } from './mem-backend.js';

backendConformanceSuite('mem', async () => ({ backend: new MemBackend(), cleanup: async () => {} }));
