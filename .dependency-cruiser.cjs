/**
 * Dependency direction of STYLE.md, checked in CI (`npm run lint:deps`).
 * errors, config, concurrency: import nothing of ours. tasks (the task contract): only
 * errors. storage: only errors and concurrency. repo: storage + errors + concurrency.
 * store, jobs: never repo. operations (the domain rules routes call): never an
 * implementation. Routes reach the store only through operations (model types aside).
 * Only main/ (and cli/, which is a composition root for commands) imports concrete
 * implementations across families. web/ (the console, run in the browser) talks to the
 * server over the public HTTP API only: it imports nothing of ours outside itself and no
 * Node.js module, and nothing imports it.
 */
module.exports = {
  forbidden: [
    { name: 'errors-is-a-leaf', severity: 'error',
      from: { path: '^src/errors' }, to: { path: '^src/', pathNot: '^src/errors' } },
    { name: 'config-is-a-leaf', severity: 'error',
      from: { path: '^src/config' }, to: { path: '^src/', pathNot: '^src/(config|errors)' } },
    { name: 'concurrency-is-a-leaf', severity: 'error',
      from: { path: '^src/concurrency' }, to: { path: '^src/', pathNot: '^src/concurrency' } },
    { name: 'tasks-only-errors', severity: 'error',
      from: { path: '^src/tasks' }, to: { path: '^src/', pathNot: '^src/(tasks|errors)' } },
    { name: 'auth-only-errors', severity: 'error',
      from: { path: '^src/auth' }, to: { path: '^src/', pathNot: '^src/(auth|errors)' } },
    { name: 'storage-only-errors', severity: 'error',
      from: { path: '^src/storage' }, to: { path: '^src/', pathNot: '^src/(storage|errors|concurrency)' } },
    { name: 'repo-only-storage-and-errors', severity: 'error',
      from: { path: '^src/repo' }, to: { path: '^src/', pathNot: '^src/(repo|storage|errors|concurrency)' } },
    { name: 'store-never-repo', severity: 'error',
      from: { path: '^src/(store|jobs)' }, to: { path: '^src/(repo|storage|api|agent|cli|main)' } },
    { name: 'operations-no-implementations', severity: 'error',
      from: { path: '^src/operations' }, to: { path: '^src/(repo|storage|api|agent|cli|main)' } },
    { name: 'routes-no-store-queries', severity: 'error',
      from: { path: '^src/api/routes' }, to: { path: '^src/store/', pathNot: '^src/store/(model|backup-model)\\.ts$' } },
    { name: 'api-no-concrete-implementations', severity: 'error',
      from: { path: '^src/api' }, to: { path: '^src/(repo|storage|agent|cli|main)' } },
    { name: 'nothing-imports-main', severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main|cli)' }, to: { path: '^src/main' } },
    { name: 'web-only-public-api', severity: 'error',
      from: { path: '^src/web' }, to: { path: '^src/', pathNot: '^src/web' } },
    { name: 'web-runs-in-the-browser', severity: 'error',
      from: { path: '^src/web', pathNot: '^src/web/vite\\.config\\.mjs$' }, to: { dependencyTypes: ['core'] } },
    { name: 'nothing-imports-web', severity: 'error',
      from: { path: '^src/', pathNot: '^src/web' }, to: { path: '^src/web' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$|/testing/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
