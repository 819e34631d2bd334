/**
 * Requests to the LLM host are bounded by the run's slots across all workers (separate processes, granted by
 * the coordinator over IPC), so nothing waits in Ollama's silent queue; the wait for a slot does not count
 * against a file's bound; and the pool does not start workers that would only wait for the LLM.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { summarizeTestFolder } from '../support/folderRun';
import { startOllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

const FILES = 8;
const ANSWER_MS = 600;

async function folderOfScreenshots(): Promise<string> {
  const folder = await tempDir('llm-slots');
  for (let i = 0; i < FILES; i++) await writeFile(path.join(folder, `ticket ${i}.png`), await renderTextImage([`Support ticket TCK-${700 + i}`, 'printer on floor 3 is jammed']));
  return folder;
}

for (const slots of [1, 2]) {
  test(`${slots} slot(s): at most ${slots} request(s) with a server that could take 4, none queued there; waiting for a slot is not the file's time`, { skip: builtMissing(), timeout: 240_000 }, async () => {
    const ollama = await startOllamaStandIn({ latencyMs: ANSWER_MS, parallelism: 4 });
    try {
      const result = await summarizeTestFolder(await folderOfScreenshots(), ollama.url, {
        workers: 8,
        llmSlots: slots,
        requestTimeoutMs: 10_000,
        // Shorter than the last file's wait for a slot (8 answers of 0.6 s, one at a time): a bound that counted
        // the wait would kill workers.
        fileTimeoutMs: 3_000,
      });
      for (const record of result.records) assert.equal(record.status, 'ok', `${path.basename(record.path)}: ${record.error}`);
      assert.equal(ollama.stats.maxInFlight, slots, 'never more requests with the server than the slots');
      assert.equal(ollama.stats.maxQueued, 0, 'no request waited in the server’s queue');
      assert.equal(ollama.stats.generateCalls, FILES, 'one summary request per file, none retried');
      assert.ok(ollama.stats.calls.every((call) => call.numCtx === 8192 && call.keepAlive === '30m'), 'one num_ctx and keep_alive for every request');
      assert.equal(ollama.stats.loads, 1, 'the model loaded once and was never reloaded for other options');
      assert.equal(ollama.stats.loadRequests, 1, 'loaded at the start of the run, while the first files were read');
      assert.ok(result.totals.workers <= 2, `workers for the cores only, none for waiting on the LLM (${result.totals.workers})`);
    } finally {
      await ollama.close();
    }
  });
}

test('a server busier than the slots say (HTTP 503, queue full) is asked again after a pause: every file is summarized', { skip: builtMissing(), timeout: 240_000 }, async () => {
  // One slot and no queue at the server, two at ours: the second request at a time gets Ollama's 503.
  const ollama = await startOllamaStandIn({ latencyMs: ANSWER_MS, parallelism: 1, maxQueue: 0 });
  try {
    const result = await summarizeTestFolder(await folderOfScreenshots(), ollama.url, { workers: 2, llmSlots: 2, requestTimeoutMs: 10_000 });
    for (const record of result.records) assert.equal(record.status, 'ok', `${path.basename(record.path)}: ${record.error}`);
    assert.ok(ollama.stats.generateCalls > FILES, `busy answers were retried (${ollama.stats.generateCalls} requests for ${FILES} files)`);
  } finally {
    await ollama.close();
  }
});

test('with room for one model at the server, vision descriptions and summaries are batched by model: a few loads, not one per request', { skip: builtMissing(), timeout: 240_000 }, async () => {
  const loads: Record<string, number> = {};
  for (const batchByModel of [true, false]) {
    const ollama = await startOllamaStandIn({ latencyMs: 250, loadMs: 400, maxLoadedModels: 1, parallelism: 1 });
    try {
      const result = await summarizeTestFolder(await folderOfScreenshots(), ollama.url, { workers: 2, vision: 'auto', requestTimeoutMs: 20_000, batchByModel });
      for (const record of result.records) assert.equal(record.status, 'ok', `${path.basename(record.path)}: ${record.error}`);
      assert.equal(ollama.stats.generateCalls, 2 * FILES, 'a description (llava) and a summary (llama3.2) per file');
      assert.equal(ollama.stats.maxInFlight, 1);
      assert.equal(new Set(ollama.stats.calls.map((call) => call.numCtx)).size, 1, 'one num_ctx for both models');
      assert.equal(ollama.stats.optionsReloads, 0);
      assert.equal(result.totals.modelSwitches, ollama.stats.loads - 1, 'the run reports the switches the server saw');
      loads[batchByModel ? 'batched' : 'oldest first'] = ollama.stats.loads;
    } finally {
      await ollama.close();
    }
  }
  assert.ok(loads.batched <= 4, `batched by model: ${loads.batched} loads for ${2 * FILES} requests`);
  assert.ok(loads.batched < loads['oldest first'], `batched ${loads.batched} loads, oldest first ${loads['oldest first']}`);
});

test('a summary model that sees (vision capability) gets the image and the OCR text in one request per file', { skip: builtMissing(), timeout: 240_000 }, async () => {
  const ollama = await startOllamaStandIn({ models: [{ name: 'gemma3:4b', capabilities: ['completion', 'vision'] }] });
  try {
    const result = await summarizeTestFolder(await folderOfScreenshots(), ollama.url, { workers: 2, model: 'gemma3:4b', vision: 'auto', requestTimeoutMs: 20_000 });
    for (const record of result.records) {
      assert.equal(record.status, 'ok', `${path.basename(record.path)}: ${record.error}`);
      assert.match(record.summary ?? '', /TCK-7\d\d/, 'the OCR text reached the summary');
      assert.equal(record.visionText, undefined, 'no separate description');
    }
    assert.equal(ollama.stats.generateCalls, FILES, 'one request per file');
    assert.equal(ollama.stats.imagesReceived, FILES, 'each with its image');
    assert.equal(result.totals.llmCalls, FILES);
    assert.ok(ollama.stats.calls.every((call) => call.format !== undefined), 'every request asks for the summary JSON');
  } finally {
    await ollama.close();
  }
});

test('several hosts share the requests within each one’s slots; a host without the model gets none of its requests; one that is down is left out', { skip: builtMissing(), timeout: 240_000 }, async () => {
  const both = await startOllamaStandIn({ latencyMs: ANSWER_MS, parallelism: 4 });
  const summaries = await startOllamaStandIn({ latencyMs: ANSWER_MS, parallelism: 4, models: ['llama3.2:3b'] });
  const visionOnly = await startOllamaStandIn({ latencyMs: ANSWER_MS, parallelism: 4, models: [{ name: 'llava:7b', capabilities: ['completion', 'vision'] }] });
  const down = await startOllamaStandIn();
  await down.close();
  try {
    const warnings: string[] = [];
    const result = await summarizeTestFolder(await folderOfScreenshots(), both.url, {
      workers: 2,
      vision: 'llava:7b',
      requestTimeoutMs: 20_000,
      extraHosts: [
        { url: summaries.url, slots: 1 },
        { url: visionOnly.url, slots: 1 },
        { url: down.url, slots: 1 },
      ],
      onEvent: (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      },
    });
    for (const record of result.records) assert.equal(record.status, 'ok', `${path.basename(record.path)}: ${record.error}`);
    for (const server of [both, summaries, visionOnly]) assert.equal(server.stats.maxInFlight, 1, 'each host within its one slot');
    assert.ok(summaries.stats.generateCalls > 0 && visionOnly.stats.generateCalls > 0, 'every host that answered took requests');
    assert.ok(summaries.stats.calls.every((call) => call.model === 'llama3.2:3b'));
    assert.ok(visionOnly.stats.calls.every((call) => call.model === 'llava:7b'));
    assert.equal(both.stats.generateCalls + summaries.stats.generateCalls + visionOnly.stats.generateCalls, 2 * FILES);
    assert.ok(warnings.some((message) => message.includes(`Ollama is not reachable at ${down.url}`) && message.includes('the other hosts take its requests')), warnings.join('\n'));
  } finally {
    await Promise.all([both.close(), summaries.close(), visionOnly.close()]);
  }
});
