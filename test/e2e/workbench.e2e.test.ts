/**
 * The real extension, packaged by `npm run package` and installed into a real VS Code (code-server), driven as a
 * person would: the command palette, the Media Summaries tree, hovers, the Explorer's context menu. The summaries
 * come from the Ollama stand-in (test/support/ollamaStandIn.ts), which quotes the text it was sent, so a hover
 * that shows "Summary: <words in the image>" proves OCR → Ollama → tree. Screenshots of each step go to
 * artifacts/e2e/workbench/.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { renderTextImage } from '../support/renderText';
import { isWorkerOf, processTable, sampleProcesses, type ProcessInfo } from './support/processes';
import { waitFor } from '../support/wait';
import { extensionSession, withSession } from './support/session';

const SUMMARY_TIMEOUT_MS = 120_000;

let ollama: OllamaStandIn;
before(async () => {
  // A second per answer keeps the run long enough to see its workers with ps.
  ollama = await startOllamaStandIn({ latencyMs: 1000 });
});
after(() => ollama?.close());

test('Media Summarizer in a real workbench', { timeout: 600_000 }, async (t) => {
  const session = extensionSession('workbench', {
    ollamaHost: ollama.url,
    desktop: { 'budget.png': ['Quarterly budget review', 'Marketing spend rises'], 'meeting.png': ['Team meeting notes', 'Launch moved to Friday'] },
    prepareWorkspace: async (workspace: string) => {
      await mkdir(path.join(workspace, 'scans'));
      await writeFile(path.join(workspace, 'scans', 'receipt.png'), await renderTextImage(['Hardware store receipt', 'Total 87 dollars']));
    },
  });

  await withSession(session, async ({ workbench, extensionHost, dirs }) => {
    const summaries = workbench.view('Media Summaries');
    const isWorker = isWorkerOf(dirs.extensions);
    let workers: ProcessInfo[] = [];

    await t.test('Summarize Desktop Media, run from the command palette, fills the Media Summaries tree', async () => {
      const sampler = sampleProcesses(isWorker);
      try {
        await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
        await workbench.screenshot('summarize-desktop-started');
        for (const name of ['budget.png', 'meeting.png']) {
          await workbench.treeItem(summaries, new RegExp(`^${name.replace('.', '\\.')}, summarized`)).waitFor({ timeout: SUMMARY_TIMEOUT_MS });
        }
      } finally {
        workers = sampler.stop();
      }
      await workbench.screenshot('desktop-summarized');
    });

    await t.test('its workers were child processes of the extension host, and are gone once the run is over', async () => {
      const host = extensionHost();
      assert.ok(workers.length > 0, 'no worker process (dist/worker.js) was seen during the run');
      for (const worker of workers) assert.equal(worker.ppid, host.pid, `worker ${worker.pid} (${worker.args}) is not a child of the extension host ${host.pid}`);
      await waitFor('the workers to exit', () => (processTable().some(isWorker) ? undefined : true), 30_000);
    });

    await t.test('hovering a file shows the summary the Ollama stand-in wrote from its OCR text', async () => {
      // The cropped picture (the view and the hover) is the one in the README (media/screenshots/hover.png).
      const text = await workbench.hoverText(workbench.treeItem(summaries, /^budget\.png, summarized/), 'hover-summary', [workbench.sidebarTitle()]);
      assert.match(text, /Summary: .*Quarterly budget review/, `the hover shows:\n${text}`);
    });

    await t.test('clicking a file in the tree opens it in an editor', async () => {
      await workbench.treeItem(summaries, /^meeting\.png, summarized/).click();
      assert.match(await workbench.activeEditorTitle(), /meeting\.png/);
      await workbench.screenshot('file-opened');
    });

    await t.test('Summarize Folder from the Explorer context menu lists that folder’s files as summarized', async () => {
      await workbench.openViewContainer('Explorer');
      await workbench.contextMenu(workbench.explorerItem('scans'), 'Summarize Folder', 'explorer-context-menu');
      await workbench.openViewContainer('Media Summaries');
      await workbench.treeItem(summaries, /^receipt\.png, summarized/).waitFor({ timeout: SUMMARY_TIMEOUT_MS });
      await workbench.screenshot('folder-summarized');
    });
  });
});
