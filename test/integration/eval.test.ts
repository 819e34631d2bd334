/**
 * `media-summarizer eval` end to end against the Ollama stand-in — a smoke test of the harness, not of a model
 * (the stand-in's answers quote the prompt, so its scores mean nothing): the set is made into files (espeak-ng
 * speech when it is installed), run through the real pipeline for each of two models, scored, printed as a table
 * and a comparison, and written as JSON.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { EVAL_ITEMS, EVAL_SET_VERSION } from '../../src/eval/evalSet';
import type { EvalReport } from '../../src/eval/runEval';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, tempDir } from '../support/paths';
import { TEST_MODEL, testCacheDir } from '../support/whisperBuild';

const run = promisify(execFile);
let ollama: OllamaStandIn;
let out: string;
before(async () => {
  ollama = await startOllamaStandIn({ models: ['llama3.2:3b', 'qwen2.5:7b'], latencyMs: 1, tokenDelayMs: 0 });
  out = await tempDir('eval-report');
});
after(async () => {
  await ollama?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

test('eval --compare runs the set through the pipeline for two models and reports both', { skip: builtMissing(), timeout: 900_000 }, async (t) => {
  const json = path.join(out, 'report.json');
  const whisper = existsSync(TEST_MODEL) ? ['--whisper-model', TEST_MODEL] : [];
  // The whisper-cli the other tests build lives in their cache folder: the eval's data folder here.
  const { stdout } = await run(process.execPath, [CLI_SCRIPT, 'eval', '--ollama-host', ollama.url, '--compare', 'llama3.2:3b,qwen2.5:7b', '--vision-model', 'none', '--cache-dir', testCacheDir(), '--json', json, ...whisper], { timeout: 840_000, maxBuffer: 16 << 20 });
  t.diagnostic(stdout);
  const { compare } = JSON.parse(await readFile(json, 'utf8')) as { compare: EvalReport[] };
  assert.deepEqual(compare.map((report) => report.model), ['llama3.2:3b', 'qwen2.5:7b']);
  for (const report of compare) {
    assert.equal(report.set, EVAL_SET_VERSION);
    assert.equal(report.files.length + report.skipped.length, EVAL_ITEMS.length, 'every item run or said why not');
    for (const file of report.files.filter((f) => f.kind === 'screenshot' || f.kind === 'photo')) {
      assert.equal(file.status, 'ok', `${file.id}: ${file.problem ?? ''}`);
      assert.ok(file.score, `${file.id} is scored`);
      assert.ok((file.answerTokens ?? 0) > 0 && (file.promptTokens ?? 0) > 0, `${file.id}: Ollama's token counts`);
    }
    assert.equal(report.totals.summarized, report.files.filter((f) => f.score).length);
    assert.ok(report.totals.factShare !== undefined && report.totals.factShare > 0.5, 'the stand-in quotes the text, so most facts are there');
  }
  assert.match(stdout, /^invoice +ok +\d\/4 /m, 'a row per file');
  assert.match(stdout, /llama3\.2:3b and qwen2\.5:7b on the same files/);
  assert.match(stdout, /^model +facts kept +invented +form ok/m);
});

test('eval: usage errors exit 2 with the eval usage', { skip: builtMissing() }, async () => {
  for (const args of [['--compare', 'one'], ['--model', 'a', '--compare', 'a,b'], ['--provider', 'lmstudio'], ['--summary-lang', 'german']]) {
    await assert.rejects(run(process.execPath, [CLI_SCRIPT, 'eval', ...args]), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2, args.join(' '));
      assert.match(error.stderr, /Usage: media-summarizer eval/);
      return true;
    });
  }
});
