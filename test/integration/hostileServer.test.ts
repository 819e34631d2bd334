/**
 * Servers that are not Ollama's kind of well-behaved: one streams an answer that never ends, ignoring num_predict
 * and max_tokens (the client stops reading at its answer bound and says so, with both APIs, instead of buffering
 * whatever arrives); one takes the connection and never answers (the preflight's bound and the run's cancel).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { describeLlmError } from '../../src/core/llmErrors';
import { generateStreamed } from '../../src/core/ollama';
import { chatStreamed } from '../../src/core/openaiCompatible';
import { summarizeTestFolder } from '../support/folderRun';
import { builtMissing, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

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

/** Takes TCP connections and never sends a byte. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

test('a host that takes the connection and never answers: the preflight gives up after its bound, and a cancel ends it at once', { skip: builtMissing(), timeout: 120_000 }, async () => {
  const server = await silentServer();
  try {
    const folder = await tempDir('silent-host');
    await writeFile(path.join(folder, 'note.png'), await renderTextImage(['Ticket SIL-1 open']));
    const cancel = new AbortController();
    const started = Date.now();
    setTimeout(() => cancel.abort(), 500);
    const cancelled = await summarizeTestFolder(folder, server.url, { requestTimeoutMs: 600_000, signal: cancel.signal });
    assert.equal(cancelled.cancelled, true);
    assert.ok(Date.now() - started < 5_000, `the cancel ended the preflight (${Date.now() - started} ms)`);
    const warnings: string[] = [];
    const waited = await summarizeTestFolder(folder, server.url, {
      requestTimeoutMs: 600_000,
      onEvent: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      },
    });
    assert.equal(waited.records[0].status, 'pending');
    assert.match(waited.records[0].error ?? '', /Ollama did not answer within 10 s at http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(warnings.length, 1, warnings.join('\n'));
  } finally {
    await server.close();
  }
});
