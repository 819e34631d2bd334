/**
 * Summary languages through the CLI and the real pipeline (tesseract.js in the workers, the Ollama stand-in):
 * "auto" asks for German for a German invoice and nothing more for an English screenshot; a fixed language asks
 * for it for every file; each language's summaries are cached apart, so switching back asks nothing. (The
 * stand-in's answers are not German: what is tested is what the prompt asks and the cache.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, tempDir } from '../support/paths';
import { fontMissing, renderWithFont } from '../support/renderFont';
import { renderTextImage } from '../support/renderText';

const run = promisify(execFile);
const ASKS = /Write the summary, the title and the tags in (\w+)/;

let ollama: OllamaStandIn;
const dirs: string[] = [];
before(async () => {
  ollama = await startOllamaStandIn({ latencyMs: 1, tokenDelayMs: 0 });
});
after(async () => {
  await ollama?.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

test('auto asks for each file\'s language, a fixed one for every file; each is cached apart', { skip: builtMissing() || fontMissing('latin'), timeout: 300_000 }, async () => {
  const desk = await tempDir('summary-lang-desk');
  const cache = await tempDir('summary-lang-cache');
  dirs.push(desk, cache);
  await writeFile(path.join(desk, 'Rechnung.png'), await renderWithFont('ffmpeg', ['Rechnung Nr. 2025-0117 für Müller GmbH', 'Gesamtbetrag 240,50 Euro, zahlbar bis 15. März', 'Vielen Dank für Ihren Auftrag'], 'latin'));
  await writeFile(path.join(desk, 'boarding.png'), await renderTextImage(['Flight LH123 boarding pass', 'Gate B12 seat 14C boarding closes at 10:40']));
  const cli = async (...args: string[]) => {
    const before = ollama.stats.prompts.length;
    const { stdout } = await run(process.execPath, [CLI_SCRIPT, desk, '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none', '--ocr-lang', 'eng+deu', '--no-log', '--json', ...args], { timeout: 240_000, env: { ...process.env, LANG: 'C', LC_ALL: '' } });
    const totals = JSON.parse(stdout.trim().split('\n').at(-1)!) as { llmCalls: number; cached: number };
    const asked = ollama.stats.prompts.slice(before).map((prompt) => (/OCR text:\n(\S+)/.exec(prompt)?.[1] ?? '?') + ' → ' + (ASKS.exec(prompt)?.[1] ?? 'nothing'));
    return { totals, asked: asked.sort() };
  };
  const auto = await cli();
  assert.deepEqual(auto.asked, ['Flight → nothing', 'Rechnung → German']);
  assert.equal((await cli()).totals.llmCalls, 0, 'cached');
  const french = await cli('--summary-lang', 'fr');
  assert.deepEqual(french.asked, ['Flight → French', 'Rechnung → French'], 'a fixed language for every file');
  const back = await cli('--summary-lang', 'auto');
  assert.equal(back.totals.llmCalls, 0, 'the auto summaries are still cached beside the French ones');
  assert.equal(back.totals.cached, 2);
});

test('--summary-lang takes auto or a language code', { skip: builtMissing() }, async () => {
  await assert.rejects(run(process.execPath, [CLI_SCRIPT, '--summary-lang', 'german']), (error: { code: number; stderr: string }) => error.code === 2 && /--summary-lang takes "auto" or a language code/.test(error.stderr));
});
