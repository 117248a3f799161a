import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

// The web page: one HTML file, one vanilla JS module and one stylesheet, served from the
// package (src/console/static, copied beside the compiled code by scripts/postbuild.js).
// The page's language follows Accept-Language (Polish or English) until the user picks one.

const FILES = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const;

/** `pl` when Accept-Language prefers Polish over English, else `en`. */
export function pageLanguage(acceptLanguage: string | undefined): 'pl' | 'en' {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
      return { lang: tag.split('-')[0], q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => (x.lang === 'pl' || x.lang === 'en') && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.lang === 'pl' ? 'pl' : 'en';
}

export function registerPage(app: FastifyInstance, dir: string = join(__dirname, 'static')): void {
  const content = new Map(Object.entries(FILES).map(([path, f]) => [path, readFileSync(join(dir, f.file), 'utf8')]));
  for (const [path, f] of Object.entries(FILES)) {
    app.get(path, { schema: { hide: true } }, (req, reply) => {
      let body = content.get(path) as string;
      if (path === '/') body = body.replace('<html lang="en">', `<html lang="${pageLanguage(req.headers['accept-language'])}">`);
      reply
        .type(f.type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        );
      if (path === '/') reply.header('x-frame-options', 'DENY');
      return reply.send(body);
    });
  }
}
