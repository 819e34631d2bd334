/**
 * A local HTTP server standing in for a mirror of the whisper.cpp model folder (whisper models cannot be downloaded
 * from Hugging Face here): GET /<name> answers with the bytes of files[name], with Content-Length, sent in slices
 * with a pause between them so that a progress notification has something to show. Every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileMirror {
  /** "http://127.0.0.1:<port>" */
  readonly url: string;
  /** "GET /ggml-tiny.en.bin 200", in arrival order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFileMirror(files: Record<string, Buffer>, { slices = 12, pauseMs = 250 } = {}): Promise<FileMirror> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://mirror').pathname.slice(1));
    const body = req.method === 'GET' ? files[name] : undefined;
    requests.push(`${req.method} /${name} ${body ? 200 : 404}`);
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no ${name} here\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    void (async () => {
      const size = Math.ceil(body.length / slices);
      for (let offset = 0; offset < body.length && !res.destroyed; offset += size) {
        if (offset > 0) await sleep(pauseMs);
        res.write(body.subarray(offset, offset + size));
      }
      res.end();
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
