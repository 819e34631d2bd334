/**
 * Two CLI runs and the extension in a real VS Code (code-server) on the same folder and the same cache, all at
 * once: the extension keeps its cache in its global storage, and both CLIs are pointed at that folder with
 * --cache-dir. Each file's OCR text carries its own identifier and the Ollama stand-in records every prompt it is
 * sent, so counting the prompts that quote an identifier counts how often that file was summarized. Screenshots
 * go to artifacts/e2e/concurrency/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { FileRecord } from '../../src/core/records';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT } from '../support/paths';
import { renderTextImage } from '../support/renderText';
import { projectExtensionId } from './support/paths';
import { extensionSession, withSession } from './support/session';

const run = promisify(execFile);
const FILES = 8;
const SUMMARY_TIMEOUT_MS = 300_000;
const ids = Array.from({ length: FILES }, (_, i) => `CR-${610 + i}`);

let ollama: OllamaStandIn;
before(async () => {
  // Each answer takes a while, so the three runs overlap for their whole length.
  ollama = await startOllamaStandIn({ latencyMs: 400, tokenDelayMs: 20 });
});
after(() => ollama?.close());

interface CliRun {
  records: FileRecord[];
  totals: Record<string, number | boolean>;
  stderr: string;
}

async function cli(args: string[]): Promise<CliRun> {
  const { stdout, stderr } = await run(process.execPath, [CLI_SCRIPT, ...args], { timeout: SUMMARY_TIMEOUT_MS, maxBuffer: 64 << 20 });
  const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return { records: lines.filter((l) => l.type !== 'run'), totals: lines.find((l) => l.type === 'run') ?? {}, stderr };
}

test('two CLI runs and the extension host on one folder and one cache at once', { skip: builtMissing(), timeout: 900_000 }, async (t) => {
  const session = extensionSession('concurrency', {
    ollamaHost: ollama.url,
    settings: { 'mediaSummarizer.cache.location': 'global', 'mediaSummarizer.log.location': 'scannedFolder' },
    desktop: Object.fromEntries(ids.map((id, i) => [`Screenshot ${i + 1}.png`, [`Change request ${id}`, 'approved by the board']])),
  });

  await withSession(session, async ({ workbench, dirs }) => {
    const desktop = path.join(dirs.home, 'Desktop');
    // VS Code's globalStorageUri for this extension: <user-data-dir>/User/globalStorage/<publisher.name>.
    const sharedCache = path.join(dirs.userData, 'User', 'globalStorage', projectExtensionId().id, 'cache');
    const cliArgs = [desktop, '--json', '--cache-dir', sharedCache, '--ollama-host', ollama.url, '--vision-model', 'none', '--workers', '2'];
    const summaries = workbench.view('Media Summaries');
    let clis: CliRun[] = [];

    await t.test('the extension and two CLIs run at once; every run gives every file an ok record', async () => {
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      clis = await Promise.all([cli(cliArgs), cli(cliArgs)]);
      for (const id of ids.keys()) {
        await workbench.treeItem(summaries, new RegExp(`^Screenshot ${id + 1}\\.png, summarized`)).waitFor({ timeout: SUMMARY_TIMEOUT_MS });
      }
      await workbench.screenshot('all-three-done');
      for (const [n, result] of clis.entries()) {
        assert.equal(result.records.length, FILES, `CLI ${n + 1}: ${result.stderr}`);
        for (const record of result.records) {
          assert.equal(record.status, 'ok', `CLI ${n + 1}: ${path.basename(record.path)}: ${record.error}`);
          const id = /Screenshot (\d+)\.png$/.exec(record.path)![1];
          assert.match(record.summary!, new RegExp(ids[Number(id) - 1]), 'each record holds its own file’s summary');
        }
        assert.doesNotMatch(result.stderr, /corrupt|damaged|could not/i, `CLI ${n + 1} warned: ${result.stderr}`);
      }
      const notifications = await workbench.notificationCenterTexts();
      assert.ok(notifications.some((n) => new RegExp(`Done: ${FILES} files — ${FILES} summarized`).test(n)), `the extension's run finished with every file summarized:\n${notifications.join('\n---\n')}`);
    });

    const summariesPerFile = () => Object.fromEntries(ids.map((id) => [id, ollama.stats.prompts.filter((prompt) => prompt.includes(id)).length]));

    // Each run claims a file just before a worker takes it (src/core/claims.ts): a file another run holds waits and
    // is then answered from the shared cache, so the three runs split the files instead of each doing all of them.
    await t.test('each file was summarized at least once and at most twice (counted in the Ollama stand-in’s request log)', () => {
      const counts = summariesPerFile();
      t.diagnostic(`summaries per file across the three runs: ${JSON.stringify(counts)}`);
      for (const [id, count] of Object.entries(counts)) assert.ok(count >= 1 && count <= 2, `${id} was summarized ${count} times by three runs sharing one cache`);
    });

    await t.test('the three logs are complete: one File: block per file in each', async () => {
      const logs = (await readdir(desktop)).filter((n) => n.startsWith('media_summaries_'));
      assert.equal(logs.length, 3, `one log per run: ${logs.join(', ')}`);
      for (const log of logs) {
        const text = await readFile(path.join(desktop, log), 'utf8');
        assert.equal((text.match(/^File: /gm) ?? []).length, FILES, `${log}:\n${text}`);
        for (const id of ids) assert.match(text, new RegExp(`Change request ${id}|${id}`), `${log} lacks ${id}`);
      }
    });

    await t.test('the shared cache holds every result, and the extension reads what a CLI wrote', async () => {
      const third = await cli([...cliArgs, '--no-log']);
      assert.deepEqual([third.totals.cached, third.totals.llmCalls], [FILES, 0], 'nothing lost: every file answered from the cache');
      assert.doesNotMatch(third.stderr, /corrupt|damaged/i);
      // A file summarized only by a CLI is then found by the extension in the cache it shares: no new prompt.
      await writeFile(path.join(desktop, 'Screenshot 99.png'), await renderTextImage(['Change request CR-999', 'filed late']));
      const late = await cli([...cliArgs, '--no-log']);
      assert.deepEqual([late.totals.cached, late.totals.llmCalls], [FILES, 1]);
      const prompts = ollama.stats.prompts.length;
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      await workbench.treeItem(summaries, /^Screenshot 99\.png, summarized/).waitFor({ timeout: SUMMARY_TIMEOUT_MS });
      await workbench.notification(new RegExp(`Done: ${FILES + 1} files`), SUMMARY_TIMEOUT_MS);
      assert.equal(ollama.stats.prompts.length, prompts, 'the extension answered every file, the CLI’s new one included, from the shared cache');
      await workbench.screenshot('extension-reads-cli-cache');
    });
  });
});
