/**
 * The real extension in Restricted Mode (the Workspace Trust dialog answered "No, I don't trust the authors"). It
 * declares limited support for untrusted workspaces: it runs, but the Ollama host and the program paths come from
 * the user's settings only. The opened folder's .vscode/settings.json points mediaSummarizer.ollama.host at a
 * closed port while the user settings point at the Ollama stand-in; a summary written by the stand-in proves the
 * workspace value was ignored. The same file's exclude pattern (an unrestricted setting) must still apply, which
 * proves the workspace settings were read at all. Screenshots go to artifacts/e2e/restricted/.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { extensionSession, withSession } from './support/session';

const SUMMARY_TIMEOUT_MS = 180_000;

/** A loopback port nothing listens on (taken from the kernel, then released): connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn();
});
after(() => ollama?.close());

test('in Restricted Mode the extension runs and takes the Ollama host from the user settings, not the workspace', { timeout: 600_000 }, async (t) => {
  const workspaceHost = `http://127.0.0.1:${await closedPort()}`;
  const session = extensionSession('restricted', {
    ollamaHost: ollama.url,
    trust: false,
    settings: { 'mediaSummarizer.workers': 1 },
    desktop: { 'whiteboard.png': ['Whiteboard sketch ZEBRA-314', 'Ship the parser first'], 'draft-notes.png': ['Draft that the workspace excludes'] },
    prepareWorkspace: async (workspace: string) => {
      await mkdir(path.join(workspace, '.vscode'));
      const settings = { 'mediaSummarizer.ollama.host': workspaceHost, 'mediaSummarizer.exclude': ['draft-*'] };
      await writeFile(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
    },
  });


  await withSession(session, async ({ workbench }) => {
    const summaries = workbench.view('Media Summaries');

    await t.test('the folder is in Restricted Mode and the extension’s commands are offered there', async () => {
      assert.equal(await workbench.isRestricted(), true, 'declining trust shows the Restricted Mode indicator');
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      await workbench.screenshot('restricted-summarize-started');
    });

    await t.test('the summary comes from the user’s Ollama host: the workspace’s host (a closed port) is ignored', async () => {
      const settled = workbench.treeItem(summaries, /^whiteboard\.png, (summarized|failed|summary pending)/);
      await settled.waitFor({ timeout: SUMMARY_TIMEOUT_MS });
      const label = (await settled.getAttribute('aria-label')) ?? '';
      assert.match(label, /, summarized/, `whiteboard.png should be summarized by the stand-in; its tree item says "${label}" (summary pending would mean the workspace host ${workspaceHost} was used)`);
      const text = await workbench.hoverText(workbench.treeItem(summaries, /^whiteboard\.png, summarized/), 'restricted-hover');
      assert.match(text, /Summary: .*ZEBRA-314/, `the hover shows:\n${text}`);
      assert.ok(ollama.stats.prompts.some((prompt) => prompt.includes('ZEBRA-314')), 'the stand-in at the user-settings host received the OCR text');
      const notifications = await workbench.notificationCenterTexts();
      assert.ok(notifications.some((n) => /Done: 1 file — 1 summarized/.test(n)), `the run's closing message is among the notifications:\n${notifications.join('\n---\n')}`);
      const mentions = notifications.filter((n) => n.includes(workspaceHost));
      assert.deepEqual(mentions, [], `no notification mentions the workspace host ${workspaceHost}`);
    });

    await t.test('the workspace’s unrestricted settings still apply: its exclude pattern keeps draft-notes.png out', async () => {
      assert.equal(await workbench.treeItem(summaries, /^draft-notes\.png/).count(), 0, 'draft-notes.png matches the workspace exclude "draft-*" and is not listed');
      assert.ok(await workbench.treeItem(summaries, /^Desktop, .*1\/1 summarized/).isVisible(), 'the Desktop folder lists one file, summarized');
      await workbench.screenshot('restricted-summarized');
    });
  });
});
