/**
 * A server that is not Ollama's kind of well-behaved: it streams an answer that never ends, ignoring num_predict and
 * max_tokens. The client stops reading at its answer bound and says so, with both APIs, instead of buffering
 * whatever arrives.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { describeLlmError } from '../../src/core/llmErrors';
import { generateStreamed } from '../../src/core/ollama';
import { chatStreamed } from '../../src/core/openaiCompatible';

/** Streams 4 KB pieces as fast as the client takes them, until it goes away; counts the bytes it wrote. */
async function endlessServer(): Promise<{ url: string; written: () => number; hungUp: Promise<void>; close: () => Promise<void> }> {
  let written = 0;
  let hangUp = () => {};
  const hungUp = new Promise<void>((resolve) => (hangUp = resolve));
  const piece = 'x'.repeat(4096);
  const server = http.createServer((req, res) => {
    req.resume();
    const sse = req.url?.startsWith('/v1/') ?? false;
    res.writeHead(200, { 'Content-Type': sse ? 'text/event-stream' : 'application/x-ndjson' });
    const line = sse ? `data: ${JSON.stringify({ choices: [{ delta: { content: piece } }] })}\n\n` : `${JSON.stringify({ model: 'm', response: piece, done: false })}\n`;
    const pump = () => {
      while (!res.destroyed && res.write(line)) written += line.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => hangUp());
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url, written: () => written, hungUp, close };
}

for (const api of ['ollama', 'openai'] as const) {
  test(`${api}: an answer that never ends is refused at 64 KB, read no further than that`, async () => {
    const server = await endlessServer();
    try {
      const request = { host: api === 'openai' ? `${server.url}/v1` : server.url, model: 'm', prompt: 'p', contextTokens: 8192, maxTokens: 512, timeoutMs: 10_000 };
      const error = await (api === 'openai' ? chatStreamed(request, 60_000) : generateStreamed(request)).then(
        () => assert.fail('the endless answer was accepted'),
        (caught: unknown) => caught,
      );
      const problem = describeLlmError(error, request.host, 'm', api);
      assert.equal(problem.code, 'answer-too-long');
      assert.match(problem.message, /answer went past 64 KB; the answer was dropped/);
      assert.ok(server.written() < 8 * 1024 * 1024, `the server got to write ${(server.written() / 1024 / 1024).toFixed(1)} MB before the client stopped reading`);
      await server.hungUp; // the client closed the connection: a real server stops generating
    } finally {
      await server.close();
    }
  });
}
