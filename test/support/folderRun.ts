import { summarizeFolder, type FolderOptions, type RunResult } from '../../src/core/engine';
import { testMediaOptions } from './mediaSettings';
import { WORKER_SCRIPT } from './paths';

/** The engine's folder run as the tests use it: real workers, no log, no vision, the test media settings. */
export function summarizeTestFolder(folder: string, ollamaHost: string, options: Partial<FolderOptions> & Pick<FolderOptions, 'requestTimeoutMs'>): Promise<RunResult> {
  return summarizeFolder({
    folder,
    log: false,
    workers: 1,
    ollamaHost,
    model: 'llama3.2:3b',
    vision: 'none',
    workerScript: WORKER_SCRIPT,
    media: testMediaOptions(),
    ...options,
  });
}
