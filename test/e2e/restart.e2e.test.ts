/**
 * Results survive a restart: the packaged extension summarizes the Desktop in a real code-server; the workbench's
 * tab is then left and code-server stopped (extension host and all), started again on the same HOME, user-data,
 * extensions folders and port, and the same browser opens the workbench again — as a person quits and reopens VS
 * Code. The Media Summaries view shows the Desktop folder again, and expanding it lists its files as summarized from
 * the cache ("2/2 summarized") with their summaries in the hover, while no worker process is started and the Ollama
 * stand-in receives no request at all. Screenshots go to artifacts/e2e/restart/.
 */
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { startCodeServer } from './support/codeServer';
import { descendants, isWorkerOf, processTable, sampleProcesses } from './support/processes';
import { waitFor } from '../support/wait';
import { extensionSession, withSession } from './support/session';

const RUN_TIMEOUT_MS = 180_000;

const IMAGES: Record<string, string[]> = {
  'invoice.png': ['Invoice INV-7731', 'Payment due Monday'],
  'whiteboard.png': ['Whiteboard sketch', 'Cache survives restarts'],
};

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn();
});
after(() => ollama?.close());

test('summaries are shown again after a restart, from the cache, without workers or model requests', { timeout: 900_000 }, async (t) => {
  const session = extensionSession('restart', { ollamaHost: ollama.url, desktop: IMAGES });

  await withSession(session, async (s) => {
    const { workbench } = s;
    const summaries = workbench.view('Media Summaries');
    const isWorker = isWorkerOf(s.dirs.extensions);

    await t.test('first session: Summarize Desktop Media summarizes both images', async () => {
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      for (const name of Object.keys(IMAGES)) await workbench.treeItem(summaries, new RegExp(`^${name.replace('.', '\\.')}, summarized`)).waitFor({ timeout: RUN_TIMEOUT_MS });
      assert.equal(ollama.stats.prompts.length, 2);
      await workbench.screenshot('before-restart');
      await waitFor('the workers to exit', () => (processTable().some(isWorker) ? undefined : true), 30_000);
    });

    await t.test('after code-server restarts, the Desktop is listed again from the cache: no worker, no model request', async () => {
      const port = Number(new URL(s.server.url).port);
      // As a person quits: the workbench's tab is closed, then the server stops.
      const address = await workbench.leave();
      await s.server.stop();
      // A request that makes the model work (generate, chat, embed) from here on would be a defect; the setup
      // checklist's look at the installed models (/api/tags, /api/show) is allowed.
      const modelWork = () => ['/api/generate', '/api/chat', '/api/embed'].reduce((sum, route) => sum + (ollama.stats.requests[route] ?? 0), 0);
      const requestsBefore = modelWork();
      const restarted = await startCodeServer(s.dirs, { logFile: path.join(s.artifacts, 'code-server-restarted.log'), port });
      const sampler = sampleProcesses(isWorker);
      let workers;
      try {
        await workbench.reopen(address);
        await workbench.openViewContainer('Media Summaries');
        const folder = workbench.treeItem(summaries, /^Desktop, /);
        await folder.waitFor({ timeout: 60_000 });
        await workbench.screenshot('after-restart-folder');
        if ((await folder.getAttribute('aria-expanded')) !== 'true') await folder.click();
        for (const name of Object.keys(IMAGES)) {
          await workbench.treeItem(summaries, new RegExp(`^${name.replace('.', '\\.')}, summarized \\(from cache\\)`)).waitFor({ timeout: 60_000 });
        }
        await workbench.treeItem(summaries, /^Desktop, .*2\/2 summarized/).waitFor();
        await workbench.screenshot('after-restart-from-cache');
        // The hover is resolved lazily by the new extension host: it must know the files the restored view shows.
        const hover = await workbench.hoverText(workbench.treeItem(summaries, /^invoice\.png, /), 'after-restart-hover');
        if (!/Summary: .*INV-7731/.test(hover)) {
          // VS Code's own logs (extension host errors such as "No tree item with id …") for the failure's diagnosis.
          await cp(path.join(s.dirs.userData, 'logs'), path.join(s.artifacts, 'logs'), { recursive: true }).catch(() => undefined);
        }
        assert.match(hover, /Summary: .*INV-7731/, `the hover after the restart shows the summary:\n${hover}`);
        const host = descendants(restarted.pid).find((p) => p.args.includes('--type=extensionHost'));
        assert.ok(host, 'the restarted code-server runs an extension host');
      } catch (error) {
        await workbench.screenshot('failed-after-restart').catch(() => undefined);
        throw error;
      } finally {
        workers = sampler.stop();
        await restarted.stop();
      }
      assert.deepEqual(workers.map((w) => `${w.pid} ${w.args}`), [], 'no worker process was started');
      assert.equal(modelWork() - requestsBefore, 0, `the stand-in got no generate, chat or embed request (paths: ${JSON.stringify(ollama.stats.requests)})`);
    });
  });
});
