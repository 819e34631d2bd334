/**
 * An Ollama that takes longer than five minutes (a large model on a slow CPU): the first byte comes after 305 s —
 * past the 300 s headers and body timeouts that Node's built-in fetch (undici) applies by default — and the answer
 * then streams slowly. With the request timeout raised, the summary must arrive; nothing but our own bound may
 * cut the request. Takes about five and a half minutes, almost all of it waiting.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { summarizeTestFolder } from '../support/folderRun';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

const FIRST_BYTE_MS = 305_000;
const TOKEN_DELAY_MS = 2000;

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn({ latencyMs: FIRST_BYTE_MS, tokenDelayMs: TOKEN_DELAY_MS });
});
after(() => ollama?.close());

test('a summary that takes more than five minutes to stream arrives when the request timeout allows it', { skip: builtMissing(), timeout: 600_000 }, async () => {
  const folder = await tempDir('slow-ollama');
  await writeFile(path.join(folder, 'slow.png'), await renderTextImage(['Quarterly report QR-2207', 'approved after review']));
  const started = Date.now();
  const result = await summarizeTestFolder(folder, ollama.url, { requestTimeoutMs: 420_000 });
  const seconds = (Date.now() - started) / 1000;
  const [record] = result.records;
  assert.equal(record.status, 'ok', `${record.error}`);
  assert.match(record.summary ?? '', /QR-2207/, 'the summary of this file arrived');
  assert.equal(ollama.stats.generateCalls + ollama.stats.chatCalls, 1, 'one request, not cut and retried');
  assert.ok(seconds > FIRST_BYTE_MS / 1000, `the run waited for the slow answer (${seconds.toFixed(0)} s)`);
});
