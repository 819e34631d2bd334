import os from 'node:os';
import path from 'node:path';
import type { MediaOptions } from '../../src/core/engine';
import type { MediaSettings } from '../../src/core/runSettings';
import { TEST_MODEL } from './whisperBuild';

/**
 * Media settings for tests: whisper.cpp's test model from ../shared/fixtures (or a real one named by
 * MEDIA_SUMMARIZER_WHISPER_MODEL), and a data folder of the test's own.
 */
export function testMediaOptions(dataDir = path.join(os.tmpdir(), 'ms-test-data'), extra: Partial<MediaOptions> = {}): MediaOptions {
  return {
    whisperModel: process.env.MEDIA_SUMMARIZER_WHISPER_MODEL || TEST_MODEL,
    language: 'auto',
    frameIntervalSeconds: 5,
    maxFrames: 20,
    dataDir,
    ...extra,
  };
}

export function testMediaSettings(dataDir?: string): MediaSettings {
  return { ...testMediaOptions(dataDir), transcriptionThreads: 1 };
}
