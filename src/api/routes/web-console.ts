import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { CbsError } from '../../errors/index.js';

/**
 * The web console at /ui: the files `npm run build` writes to dist/web, served as they are.
 *  - assets/ names carry a content hash: cached for a year, immutable;
 *  - index.html is revalidated on every load (ETag), so a new build is picked up at once;
 *  - every text file is precompressed at build time (.br, .gz); the encoding the browser
 *    accepts is sent, with `vary: accept-encoding`, and nothing is compressed per request;
 *  - any other path under /ui/ (a page of the console: /ui/jobs/…) gets index.html, whose
 *    script routes it in the browser; an unknown file under /ui/assets/ stays a 404.
 * The console talks to the public API only, with the token the user signs in with.
 */
export const webConsoleRoutes: FastifyPluginAsync<{ root: string }> = async (app, { root }) => {
  const security = {
    // Scripts, styles and API calls from this origin only; nothing inline, no framing.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };

  await app.register(async (ui) => {
    ui.setNotFoundHandler(async (req, reply) => {
      const path = req.url.split('?')[0]!;
      if ((req.method === 'GET' || req.method === 'HEAD') && !path.startsWith('/ui/assets/') && !/\.[a-z0-9]+$/i.test(path)) {
        return reply.sendFile('index.html');
      }
      return reply.status(404).send(new CbsError('ROUTE_NOT_FOUND', `no route ${req.method} ${path}`).toBody());
    });

    await ui.register(fastifyStatic, {
      root,
      preCompressed: true,
      // Cache-Control is set here, per file, instead of by `send` (which would overwrite it).
      cacheControl: false,
      setHeaders(res, path) {
        const hashed = path.startsWith(join(root, 'assets'));
        res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.setHeader('vary', 'accept-encoding');
        if (/\.html(\.br|\.gz)?$/.test(path)) for (const [k, v] of Object.entries(security)) res.setHeader(k, v);
      },
    });
  }, { prefix: '/ui' });

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/ui/', 302));
};

/** True when dir holds a built console (dist/web after `npm run build`). */
export function isBuiltConsole(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}
