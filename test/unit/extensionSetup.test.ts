/**
 * The setup checklist (src/extension/logic/setupChecks.ts) against the Ollama stand-in, real files and real
 * programs on PATH: every item at once, each with its state and fixes; a first-time user without Ollama gets the
 * link to install it; a host not on this machine is not asked before consent.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { blockingItems, checkSetup, isSetupProblem, OLLAMA_DOWNLOAD_URL, type SetupItem, type SetupItemId } from '../../src/extension/logic/setupChecks';
import { readSettings, resolvePaths, type SettingKey } from '../../src/extension/logic/settings';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { tempDir } from '../support/paths';
import { closedPortUrl } from '../support/processes';

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn({ models: ['llama3.2:3b', 'llava:7b', 'embeddinggemma'] });
});
after(() => ollama?.close());

/** A PATH of one folder holding the given programs (shell scripts that print a version). */
async function pathWith(...programs: string[]): Promise<string> {
  const dir = await tempDir('setup-path');
  for (const program of programs) {
    const file = path.join(dir, program);
    await writeFile(file, '#!/bin/sh\necho "version 1.0"\n');
    await chmod(file, 0o755);
  }
  return dir;
}

async function input(values: Partial<Record<SettingKey, unknown>>, options: { mayContact?: boolean; programs?: string[] } = {}) {
  const { settings } = readSettings((key) => values[key], {});
  const storage = await tempDir('setup-storage');
  const paths = resolvePaths(settings, { extensionPath: storage, globalStorage: storage, workspaceStorage: undefined });
  return { settings, paths, mayContact: options.mayContact ?? true, env: { PATH: await pathWith(...(options.programs ?? [])) } };
}

const byId = (items: SetupItem[]): Record<SetupItemId, SetupItem> => Object.fromEntries(items.map((item) => [item.id, item])) as Record<SetupItemId, SetupItem>;

describe('setup checklist', () => {
  test('every item is looked at at once and named in the order a new user sets them up', async () => {
    const items = await checkSetup(await input({ 'ollama.host': ollama.url }, { programs: ['ffmpeg'] }));
    assert.deepEqual(
      items.map((item) => item.id),
      ['llm', 'model', 'visionModel', 'embeddingModel', 'ffmpeg', 'whisperModel', 'whisperCli'],
    );
    const item = byId(items);
    assert.equal(item.llm.state, 'ok');
    assert.equal(item.model.state, 'ok');
    assert.equal(item.visionModel.state, 'ok');
    assert.equal(item.visionModel.title, 'Vision model llava:7b');
    assert.equal(item.embeddingModel.state, 'ok');
    assert.match(item.embeddingModel.title, /embeddinggemma/);
    assert.equal(item.ffmpeg.state, 'ok');
    // The whisper model is not downloaded into a fresh storage folder: its fix is the download command.
    assert.equal(item.whisperModel.state, 'missing');
    assert.deepEqual(item.whisperModel.actions.map((action) => action.kind), ['downloadWhisperModel', 'setting']);
    assert.match(item.whisperModel.detail, /recordings are summarized from their frames, voice memos fail/);
    // No cmake or compiler on this PATH: whisper-cli cannot be built, and the fix says what to install.
    assert.equal(item.whisperCli.state, 'missing');
    assert.match(item.whisperCli.detail, /cmake/i);
  });

  test('Ollama not installed: the link to install it; installed but stopped: Retry and the host setting', async () => {
    const down = await closedPortUrl();
    const fresh = byId(await checkSetup(await input({ 'ollama.host': down })));
    assert.equal(fresh.llm.state, 'missing');
    assert.match(fresh.llm.detail, /Ollama is not installed on this machine/);
    assert.deepEqual(fresh.llm.actions[0], { kind: 'openUrl', label: 'Install Ollama', url: OLLAMA_DOWNLOAD_URL });
    assert.equal(fresh.model.state, 'unknown', 'the model waits for Ollama');

    const stopped = byId(await checkSetup(await input({ 'ollama.host': down }, { programs: ['ollama'] })));
    assert.match(stopped.llm.detail, /Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+ — start it with "ollama serve"/);
    assert.doesNotMatch(stopped.llm.detail, /`/, 'no raw backticks in a notification');
    assert.deepEqual(stopped.llm.actions.map((action) => action.label), ['Retry', 'Change Host']);
    assert.ok(stopped.llm.problem && isSetupProblem(stopped.llm.problem), 'the run leaves its own warning of this to the setup notification');
  });

  test('a model not pulled: Pull and Select Model…; no vision or embedding model: optional, each with its pull', async () => {
    const bare = await startOllamaStandIn({ models: ['mistral:7b'] });
    try {
      const item = byId(await checkSetup(await input({ 'ollama.host': bare.url, model: 'llama3.2:3b' })));
      assert.equal(item.model.state, 'missing');
      assert.deepEqual(item.model.actions, [
        { kind: 'pullModel', label: 'Pull', model: 'llama3.2:3b' },
        { kind: 'selectModel', label: 'Select Model…' },
      ]);
      assert.equal(item.visionModel.state, 'optional');
      assert.equal(item.visionModel.actions[0].kind, 'pullModel');
      assert.equal(item.embeddingModel.state, 'optional');
      assert.deepEqual(item.embeddingModel.actions[0], { kind: 'pullModel', label: 'Pull', model: 'embeddinggemma' });
    } finally {
      await bare.close();
    }
  });

  test('a host not on this machine is not asked before the user agreed', async () => {
    ollama.resetStats();
    const item = byId(await checkSetup(await input({ 'ollama.host': ollama.url }, { mayContact: false })));
    assert.equal(item.llm.state, 'unknown');
    assert.match(item.llm.detail, /only after you agree/);
    assert.equal(ollama.stats.totalRequests, 0);
  });

  test('what blocks a run: media tools only when it has videos or audio; optional items never', async () => {
    const items = await checkSetup(await input({ 'ollama.host': await closedPortUrl(), visionModel: 'none' }));
    assert.deepEqual(blockingItems(items, false).map((item) => item.id), ['llm']);
    assert.deepEqual(blockingItems(items, true).map((item) => item.id), ['llm', 'ffmpeg', 'whisperModel', 'whisperCli']);
  });

  test('whisper-cli not built but cmake and a compiler are there: ready, built on first use', async () => {
    const dir = await tempDir('setup-tools');
    await mkdir(dir, { recursive: true });
    const item = byId(await checkSetup(await input({ 'ollama.host': ollama.url }, { programs: ['ffmpeg', 'cmake', 'c++', 'cc', 'make'] })));
    assert.equal(item.whisperCli.state, 'ok');
    assert.match(item.whisperCli.detail, /built from the bundled sources before the first recording/);
    assert.deepEqual(item.whisperCli.actions, [{ kind: 'buildWhisperCli', label: 'Build Now' }], 'the build can be started from Check Setup');
  });
});
