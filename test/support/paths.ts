import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** ../shared/fixtures beside the project root (see its README); tests that need it skip when it is absent. */
export const FIXTURES = path.resolve(PROJECT_ROOT, '..', 'shared', 'fixtures');
export const OCR_FIXTURES = path.join(FIXTURES, 'ocr');
export const WORKER_SCRIPT = path.join(PROJECT_ROOT, 'dist', 'worker.js');
export const CLI_SCRIPT = path.join(PROJECT_ROOT, 'dist', 'cli.js');

export function fixturesMissing(dir: string): string | false {
  return existsSync(dir) ? false : `fixtures not found at ${dir} (see ../shared/fixtures/README.md) — skipped`;
}

export function builtMissing(): string | false {
  return existsSync(WORKER_SCRIPT) ? false : 'dist/worker.js is missing — run `npm run build` first';
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `ms-${prefix}-`));
}
