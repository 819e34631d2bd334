/**
 * A registry of @tesseract.js-data/<lang> packages on localhost — what a mirror of registry.npmjs.org is to
 * Download OCR Language…: the package document with its tarball's sha512, and the tarball (package/4.0.0_best_int/
 * <lang>.traineddata.gz inside). `mode` makes it misbehave: a tampered tarball, or one that stalls.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createTar } from 'nanotar';

export interface NpmRegistryStandIn {
  url: string;
  mode: 'ok' | 'tamper' | 'stall';
  /** Request paths, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves each language of `models` (lang → its traineddata.gz) as a package; other names answer 404. */
export async function startNpmRegistryStandIn(models: Record<string, Buffer>): Promise<NpmRegistryStandIn> {
  const packages = new Map(
    Object.entries(models).map(([lang, model]) => {
      const tarball = gzipSync(Buffer.from(createTar([{ name: 'package/package.json', data: JSON.stringify({ name: `@tesseract.js-data/${lang}`, version: '1.0.0' }) }, { name: `package/4.0.0_best_int/${lang}.traineddata.gz`, data: model }])));
      return [lang, { tarball, integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}` }];
    }),
  );
  const registry: NpmRegistryStandIn = { url: '', mode: 'ok', requests: [], close: () => new Promise((resolve) => server.close(() => resolve())) };
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    registry.requests.push(url);
    const document = /^\/@tesseract\.js-data%2f(\w+)$/.exec(url);
    const file = /^\/(\w+)-1\.0\.0\.tgz$/.exec(url);
    const found = packages.get((document ?? file)?.[1] ?? '');
    if (found && document) {
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': { dist: { tarball: `${registry.url}/${document[1]}-1.0.0.tgz`, integrity: found.integrity } } } }));
    }
    if (found && file) {
      res.setHeader('content-length', String(found.tarball.length));
      if (registry.mode === 'stall') return void res.write(found.tarball.subarray(0, 1000));
      const body = Buffer.from(found.tarball);
      if (registry.mode === 'tamper') body[body.length - 20] ^= 0xff;
      return void res.end(body);
    }
    res.statusCode = 404;
    res.end('{"error":"Not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return registry;
}
