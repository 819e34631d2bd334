import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { doFix } from '../../core/problems';
import { OWN_WHISPER_CLI, WhisperError } from './errors';

/*
 * The npm package nodejs-whisper is used only as a source distribution of whisper.cpp (cpp/whisper.cpp with its
 * CMakeLists.txt). Its JavaScript API is deliberately not used: it builds shell strings from paths, calls
 * process.chdir and builds inside node_modules, which is replaced on every extension update. The package stays
 * outside the esbuild bundle (it is only resolved, never imported), so it must ship in node_modules.
 */

export interface WhisperSource {
  /** The whisper.cpp source tree (contains CMakeLists.txt). */
  dir: string;
  /** nodejs-whisper's version: names the build folder, so an update builds afresh. */
  version: string;
}

let cached: WhisperSource | undefined;

export function whisperSource(): WhisperSource {
  if (cached) return cached;
  let packageJson: string;
  try {
    packageJson = require.resolve('nodejs-whisper/package.json');
  } catch {
    throw new WhisperError('build-failed', 'The whisper.cpp sources (npm package nodejs-whisper) are not installed', [doFix('reinstall the extension or run `npm ci`'), OWN_WHISPER_CLI]);
  }
  const root = path.dirname(packageJson);
  const declared = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version;
  const version = typeof declared === 'string' ? declared : 'unknown';
  const dir = path.join(root, 'cpp', 'whisper.cpp');
  if (!existsSync(path.join(dir, 'CMakeLists.txt'))) {
    throw new WhisperError('build-failed', `The whisper.cpp sources are incomplete: ${path.join(dir, 'CMakeLists.txt')} is missing`, [doFix('reinstall the extension or run `npm ci`')]);
  }
  cached = { dir, version };
  return cached;
}

/**
 * Where the app keeps its whisper-cli build: `<cacheDir>/whisper/build-<nodejs-whisper version>`. Outside
 * node_modules so extension updates do not throw the 2–4 minute build away unless the sources changed.
 */
export function whisperBuildDir(cacheDir: string): string {
  return path.join(cacheDir, 'whisper', `build-${whisperSource().version}`);
}
