/**
 * The OpenAI-compatible API (LM Studio, llama.cpp's llama-server, vLLM, LocalAI), through the stand-in's /v1
 * endpoints, which follow Ollama's own OpenAI compatibility: models listed from /v1/models, structured output as
 * response_format with a JSON schema, images as base64 data URLs, streamed as server-sent events, and the same
 * limiter, timeouts and retries as for Ollama.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { describeLlmError } from '../../src/core/llmErrors';
import { chatStreamed, listOpenAiModels, openAiBase } from '../../src/core/openaiCompatible';
import { summarizeTestFolder } from '../support/folderRun';
import { startOllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

/** A valid 1×1 PNG. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

test('the API base: a bare host gets /v1, one given with it is kept', () => {
  assert.equal(openAiBase('localhost:1234'), 'http://localhost:1234/v1');
  assert.equal(openAiBase('http://127.0.0.1:8080/v1/'), 'http://127.0.0.1:8080/v1');
  assert.equal(openAiBase('https://llm.example.com/openai/v1'), 'https://llm.example.com/openai/v1');
});

test('models come from /v1/models; a streamed chat with a JSON schema and an image answers the schema, having seen the image', async () => {
  const server = await startOllamaStandIn();
  try {
    const base = openAiBase(server.url);
    assert.deepEqual(await listOpenAiModels(base, 5000), ['llama3.2:3b', 'llava:7b']);
    const schema = { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] };
    const answer = await chatStreamed(
      { host: base, model: 'llava:7b', system: 'Summarize.', prompt: 'OCR text:\nInvoice INV-88 due Friday', images: [PNG_1X1], format: schema, contextTokens: 8192, maxTokens: 256, timeoutMs: 5000 },
      60_000,
    );
    const parsed = JSON.parse(answer.text) as { summary: string };
    assert.match(parsed.summary, /INV-88/);
    assert.equal(server.stats.imagesReceived, 1, 'the data URL arrived as an image');
    assert.equal(server.stats.requests['/v1/chat/completions'], 1);
    assert.deepEqual(server.stats.calls[0].format, schema, 'response_format carried the schema');
  } finally {
    await server.close();
  }
});

test('errors and bounds: a missing model is a 404 worded for the server; the first byte after the timeout is a timeout', async () => {
  const server = await startOllamaStandIn({ latencyMs: 3000 });
  try {
    const base = openAiBase(server.url);
    const request = { host: base, prompt: 'hello', contextTokens: 8192, maxTokens: 64, timeoutMs: 500 };
    const missing = await chatStreamed({ ...request, model: 'mistral:7b' }, 60_000).catch((error: unknown) => error);
    assert.equal(describeLlmError(missing, base, 'mistral:7b', 'openai').code, 'model-missing');
    assert.match(describeLlmError(missing, base, 'mistral:7b', 'openai').message, /not available at the OpenAI-compatible server/);
    const slow = await chatStreamed({ ...request, model: 'llama3.2:3b' }, 60_000).catch((error: unknown) => error);
    assert.equal(describeLlmError(slow, base, 'llama3.2:3b', 'openai').message, `The OpenAI-compatible server did not answer within 0.5 s at ${base} (model llama3.2:3b)`);
  } finally {
    await server.close();
  }
});

test('a folder through an OpenAI-compatible server: summaries and vision descriptions, one request at a time', { skip: builtMissing(), timeout: 240_000 }, async () => {
  const server = await startOllamaStandIn({ latencyMs: 200, parallelism: 4 });
  try {
    const folder = await tempDir('openai-folder');
    for (let i = 0; i < 4; i++) await writeFile(path.join(folder, `ticket ${i}.png`), await renderTextImage([`Support ticket TCK-${900 + i}`, 'badge reader at door 2 is broken']));
    const result = await summarizeTestFolder(folder, server.url, { workers: 2, llmApi: 'openai', vision: 'llava:7b', requestTimeoutMs: 20_000 });
    for (const record of result.records) {
      assert.equal(record.status, 'ok', `${path.basename(record.path)}: ${record.error}`);
      assert.match(record.summary ?? '', /TCK-9\d\d/);
      assert.match(record.visionText ?? '', /image\(s\) seen: 1/);
    }
    assert.equal(server.stats.requests['/v1/chat/completions'], 8, 'a description and a summary per file, all over /v1');
    assert.equal(server.stats.requests['/api/generate'], undefined);
    assert.equal(server.stats.maxInFlight, 1, 'the same limiter: one slot by default');
  } finally {
    await server.close();
  }
});

test('an OpenAI-compatible server that is not there: every file pending, worded for that server', { skip: builtMissing(), timeout: 120_000 }, async () => {
  const server = await startOllamaStandIn();
  await server.close();
  const folder = await tempDir('openai-down');
  await writeFile(path.join(folder, 'note.png'), await renderTextImage(['Call the plumber on Tuesday']));
  const result = await summarizeTestFolder(folder, server.url, { llmApi: 'openai', requestTimeoutMs: 5_000 });
  assert.equal(result.records[0].status, 'pending');
  assert.match(result.records[0].error ?? '', /The OpenAI-compatible server is not reachable at http:\/\/127\.0\.0\.1:\d+\/v1/);
});
