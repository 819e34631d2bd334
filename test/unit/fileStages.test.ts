/**
 * The one module that names a file's cached stages: keys under given settings, reading them once, the record
 * they make, and the vision-model rule shared by the engine (Ollama down) and the listing after a restart.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { rememberedVisionKey } from '../../src/core/cacheKeys';
import { readStages, recordFromStages, rememberedVisionModel, rememberVisionModel, reusableStages, stageKeys, type StageSettings } from '../../src/core/fileStages';
import { hashFile } from '../../src/core/hash';
import { lookupRecords, scannedFile } from '../../src/core/lookup';
import { tempDir } from '../support/paths';

const media = { whisperModel: 'base.en', language: 'auto', maxTranscribeSeconds: undefined };
const SHA = 'a'.repeat(64);
const HOST = 'http://127.0.0.1:11434';

describe('stage keys', () => {
  test('name the content and everything that made each stage; vision and transcript only where they exist', () => {
    const plain = stageKeys('image', SHA, { model: 'm:1', visionModel: undefined, media });
    assert.equal(plain.vision, undefined, 'no vision model, no vision key');
    assert.equal(plain.transcript, undefined, 'an image has no transcript');
    assert.match(plain.summary('en'), /^summary:sum-1:m:1:novision:a{64}$/, 'English: the key summaries had before languages');
    assert.match(plain.summary('de'), /^summary:sum-1:lang=de:m:1:novision:a{64}$/);
    assert.equal(plain.claim, plain.summary('en'));
    const video = stageKeys('video', SHA, { model: 'm:1', visionModel: 'llava:7b', media: { ...media, maxTranscribeSeconds: 60 } });
    assert.match(video.vision!, /^vision:vis-1:llava:7b:a{64}$/);
    assert.match(video.transcript!, /^transcript:tr-1:base\.en:auto:60:a{64}$/);
    assert.match(video.summary('en'), /:llava:7b:a{64}$/);
    assert.notEqual(video.extract, plain.extract, 'extract versions differ per kind');
  });
});

describe('reading stages', () => {
  test('one read gives the record and what a worker may skip', async () => {
    const cache = await CacheStore.open(await tempDir('stages-cache'));
    const settings: StageSettings = { model: 'm:1', visionModel: 'llava:7b', media };
    const keys = stageKeys('image', SHA, settings);
    const file = { path: '/x/shot.png', kind: 'image' as const };
    assert.equal(recordFromStages(file, SHA, readStages(cache, 'image', SHA, settings)), undefined, 'never processed');

    await cache.putMany([
      [keys.extract, { text: 'INVOICE 42', metadata: { format: 'png' } }],
      [keys.vision!, 'A scanned invoice.'],
    ]);
    const pending = recordFromStages(file, SHA, readStages(cache, 'image', SHA, settings));
    assert.equal(pending?.status, 'pending');
    assert.equal(pending?.visionText, 'A scanned invoice.');
    assert.deepEqual(reusableStages(readStages(cache, 'image', SHA, settings), false).vision, 'A scanned invoice.');
    assert.equal(reusableStages(readStages(cache, 'image', SHA, settings), true).vision, undefined, 'refresh describes again');

    await cache.put(keys.summary('en'), { summary: 'An invoice.', title: 'Invoice', tags: ['bill'] });
    const done = recordFromStages(file, SHA, readStages(cache, 'image', SHA, settings));
    assert.deepEqual(done, {
      path: '/x/shot.png', kind: 'image', cached: true, sha256: SHA, metadata: { format: 'png' }, status: 'ok',
      summary: 'An invoice.', title: 'Invoice', tags: ['bill'], ocrText: 'INVOICE 42', visionText: 'A scanned invoice.', transcript: undefined,
    });

    await cache.put(keys.extract, { text: '', metadata: {}, error: 'Cannot decode shot.png: truncated' });
    assert.equal(recordFromStages(file, SHA, readStages(cache, 'image', SHA, settings))?.status, 'error');
    assert.equal(reusableStages(readStages(cache, 'image', SHA, settings), true).extract, undefined, 'refresh reads a failed file again');
    await cache.close();
  });

  test('a recording whose speech was never transcribed is not "read": its pending record says the speech is still to come', async () => {
    const cache = await CacheStore.open(await tempDir('stages-memo'));
    const settings: StageSettings = { model: 'm:1', visionModel: undefined, media };
    const memo = { path: '/x/memo.m4a', kind: 'audio' as const };
    const keys = stageKeys('audio', SHA, settings);
    await cache.put(keys.extract, { text: '', metadata: { format: 'M4A', audioCodec: 'aac', durationSeconds: 12 } });
    const unread = recordFromStages(memo, SHA, readStages(cache, 'audio', SHA, settings));
    assert.equal(unread?.status, 'pending');
    assert.equal(unread?.error, 'Not summarized yet: its speech is still to be transcribed (run the folder again).');
    await cache.put(keys.transcript!, { text: 'call the dentist', segments: [] });
    assert.match(recordFromStages(memo, SHA, readStages(cache, 'audio', SHA, settings))?.error ?? '', /the text was read/);
    await cache.close();
  });
});

describe('the vision model when no preflight can tell', () => {
  test('remembered wins (null is none); else a named model; auto with nothing remembered is none', async () => {
    const cache = await CacheStore.open(await tempDir('stages-vision'));
    assert.equal(rememberedVisionModel(cache, HOST, 'm:1', 'none'), undefined);
    assert.equal(rememberedVisionModel(cache, HOST, 'm:1', 'auto'), undefined);
    assert.equal(rememberedVisionModel(cache, HOST, 'm:1', 'llava:7b'), 'llava:7b');
    assert.equal(rememberedVisionModel(undefined, HOST, 'm:1', 'llava:7b'), 'llava:7b', 'no cache');
    await rememberVisionModel(cache, HOST, 'm:1', 'auto', 'moondream');
    assert.equal(rememberedVisionModel(cache, HOST, 'm:1', 'auto'), 'moondream');
    await rememberVisionModel(cache, HOST, 'm:1', 'llava:7b', undefined);
    assert.equal(cache.get(rememberedVisionKey(HOST, 'm:1', 'llava:7b')), null);
    assert.equal(rememberedVisionModel(cache, HOST, 'm:1', 'llava:7b'), undefined, 'the last preflight found the named model missing');
    await cache.close();
  });

  test('the listing with vision auto and nothing remembered counts only summaries made without vision, as a run would', async () => {
    const folder = await tempDir('stages-auto');
    const cacheDir = await tempDir('stages-auto-cache');
    const withVision = path.join(folder, 'photo.jpg');
    const without = path.join(folder, 'shot.png');
    await writeFile(withVision, 'a photo');
    await writeFile(without, 'a screenshot');
    const cache = await CacheStore.open(cacheDir);
    for (const [file, visionModel] of [[withVision, 'llava:7b'], [without, undefined]] as const) {
      const sha256 = await hashFile(file);
      const keys = stageKeys('image', sha256, { model: 'm:1', visionModel, media });
      await cache.putMany([
        [keys.extract, { text: 'text', metadata: {} }],
        [keys.summary('en'), { summary: 'S.', title: path.basename(file), tags: [] }],
      ]);
    }
    await cache.close();
    const files = [await scannedFile(withVision), await scannedFile(without)];
    const records = await lookupRecords(files, { cacheDir, ollamaHost: HOST, model: 'm:1', vision: 'auto', media });
    assert.equal(records.get(without)?.status, 'ok');
    assert.equal(records.get(withVision)?.status, 'pending', 'a summary made with a vision model nobody remembered is not counted');
  });
});
