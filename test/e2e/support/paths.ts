/**
 * Where the e2e tests find their tools and put their output. Everything heavy (code-server, Chromium) is installed
 * outside the checkout by test/e2e/setup-code-server.sh; this module only locates it and says how to get it.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../support/paths';

/** Must match VERSION in setup-code-server.sh (the marker file is named after it). */
export const CODE_SERVER_VERSION = '4.100.3';
export const E2E_CACHE = process.env.MEDIA_SUMMARIZER_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'media-summarizer-e2e');
const CODE_SERVER_ROOT = path.join(E2E_CACHE, 'code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_ROOT, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.MEDIA_SUMMARIZER_E2E_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots and logs of each run: gitignored (artifacts/ in .gitignore), kept after the run for a person to look at. */
export const ARTIFACTS = path.join(PROJECT_ROOT, 'artifacts', 'e2e');

/** The entry point of the installed code-server, or an error that says how to install it. */
export function codeServerEntry(): string {
  if (!existsSync(path.join(CODE_SERVER_ROOT, `.complete-${CODE_SERVER_VERSION}`)) || !existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${CODE_SERVER_ROOT} — run test/e2e/setup-code-server.sh (npm run test:e2e does).`);
  }
  return CODE_SERVER_ENTRY;
}

/** The VSIX that `npm run package` writes (vsce's default name), or MEDIA_SUMMARIZER_VSIX. */
export function projectVsix(): string {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const file = process.env.MEDIA_SUMMARIZER_VSIX ?? path.join(PROJECT_ROOT, `${pkg.name}-${pkg.version}.vsix`);
  if (!existsSync(file)) throw new Error(`${file} not found — run \`npm run package\` first (npm run test:e2e does).`);
  return file;
}

/** The project's extension id (publisher.name) and the folder an install creates (publisher.name-version). */
export function projectExtensionId(): { id: string; folder: string } {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; publisher: string };
  return { id: `${pkg.publisher}.${pkg.name}`, folder: `${pkg.publisher}.${pkg.name}-${pkg.version}` };
}
