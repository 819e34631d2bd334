import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { doFix, settingFix } from '../../core/problems';
import { formatSeconds } from '../../core/durations';
import { describeFetchError } from '../../core/fetchErrors';
import { WhisperError, abortError } from './errors';

/*
 * Whisper models in ggml format: naming, resolving a user's choice to a file, and downloading one.
 * A model is chosen either by name (looked up as `<modelsDir>/ggml-<name>.bin`) or by a path to a .bin file.
 */

/** Where named models are looked up and downloaded to: `<dataDir>/models` (the cache or storage folder). */
export function whisperModelsDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

/**
 * The models whisper.cpp publishes at huggingface.co/ggerganov/whisper.cpp, as listed by the bundled
 * whisper.cpp's models/download-ggml-model.sh (nodejs-whisper 0.3.1's own MODELS_LIST is a subset, plus a bare
 * "large" that is no longer published).
 */
export const WHISPER_MODEL_NAMES = [
  'tiny',
  'tiny.en',
  'tiny-q5_1',
  'tiny.en-q5_1',
  'tiny-q8_0',
  'base',
  'base.en',
  'base-q5_1',
  'base.en-q5_1',
  'base-q8_0',
  'small',
  'small.en',
  'small.en-tdrz',
  'small-q5_1',
  'small.en-q5_1',
  'small-q8_0',
  'medium',
  'medium.en',
  'medium-q5_0',
  'medium.en-q5_0',
  'medium-q8_0',
  'large-v1',
  'large-v2',
  'large-v2-q5_0',
  'large-v2-q8_0',
  'large-v3',
  'large-v3-q5_0',
  'large-v3-turbo',
  'large-v3-turbo-q5_0',
  'large-v3-turbo-q8_0',
] as const;

export type WhisperModelName = (typeof WHISPER_MODEL_NAMES)[number];

/** The same URL pattern nodejs-whisper's and whisper.cpp's download scripts use. */
export const WHISPER_MODEL_BASE_URL = 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main';

/** Every ggml whisper model starts with this magic number ("ggml", stored little-endian as "lmgg"). */
const GGML_MAGIC = 0x67676d6c;

export function isWhisperModelName(name: string): name is WhisperModelName {
  return (WHISPER_MODEL_NAMES as readonly string[]).includes(name);
}

export function whisperModelFileName(name: WhisperModelName): string {
  return `ggml-${name}.bin`;
}

export function whisperModelUrl(name: WhisperModelName, baseUrl = WHISPER_MODEL_BASE_URL): string {
  return `${baseUrl.replace(/\/+$/, '')}/${whisperModelFileName(name)}`;
}

function unknownModelError(name: string): WhisperError {
  return new WhisperError('model-unknown', `Unknown whisper model "${name}"`, [doFix(`use one of ${WHISPER_MODEL_NAMES.join(', ')}, or the path of a ggml .bin model file`)]);
}

/** A path rather than a name: contains a path separator or ends with .bin. */
function looksLikePath(nameOrPath: string): boolean {
  return /[\\/]/.test(nameOrPath) || nameOrPath.toLowerCase().endsWith('.bin');
}

/**
 * The model file to use: a path is used as it is (it must exist), a known name maps to
 * `<modelsDir>/ggml-<name>.bin`. Throws a WhisperError naming the file and how to get it.
 */
export async function resolveWhisperModel(nameOrPath: string, modelsDir: string): Promise<string> {
  const value = nameOrPath.trim();
  if (looksLikePath(value)) {
    const file = path.resolve(value);
    if (!(await isReadableFile(file))) {
      throw new WhisperError('model-missing', `Whisper model file not found: ${file}`, [
        doFix('check the path'),
        settingFix('whisperModel'),
        { kind: 'downloadWhisperModel', model: 'base.en' },
      ]);
    }
    return file;
  }
  if (!isWhisperModelName(value)) throw unknownModelError(value);
  const file = path.join(path.resolve(modelsDir), whisperModelFileName(value));
  if (!(await isReadableFile(file))) {
    throw new WhisperError('model-missing', `Whisper model ${value} is not downloaded yet (${file} is missing)`, [
      { kind: 'downloadWhisperModel', model: value },
      doFix(`download ${whisperModelUrl(value)} by hand to that path`),
      settingFix('whisperModel'),
    ]);
  }
  return file;
}

async function isReadableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export interface DownloadProgress {
  bytes: number;
  /** From Content-Length; undefined when the server does not say. */
  total?: number;
}

export interface DownloadOptions {
  /** Replaces https://huggingface.co/ggerganov/whisper.cpp/resolve/main (a mirror, or a test server). */
  baseUrl?: string;
  /** Abort when no data arrives for this long. Default 60 s. */
  stallTimeoutMs?: number;
}

/**
 * Downloads `ggml-<name>.bin` into modelsDir and returns its path; an existing file is kept as it is.
 * The body is streamed to a temporary file in modelsDir and renamed when complete and checked (length, ggml
 * magic), so the final name never holds a partial or an HTML error page.
 */
export async function downloadWhisperModel(
  name: string,
  modelsDir: string,
  onProgress?: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
  options: DownloadOptions = {},
): Promise<string> {
  if (!isWhisperModelName(name)) throw unknownModelError(name);
  const dir = path.resolve(modelsDir);
  const file = path.join(dir, whisperModelFileName(name));
  if (await isReadableFile(file)) return file;
  const url = whisperModelUrl(name, options.baseUrl);
  const fail = (reason: string): WhisperError =>
    new WhisperError('download-failed', `Could not download whisper model ${name} from ${url} (${reason})`, [
      { kind: 'do', text: `check the internet connection or download the file by hand to ${file}`, endsWithPath: true },
    ]);

  const temp = path.join(dir, `.${whisperModelFileName(name)}.${process.pid}-${randomBytes(4).toString('hex')}.part`);
  // One controller for the caller's cancel and our stall timer, so either stops fetch and the body stream.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const stallMs = options.stallTimeoutMs ?? 60_000;
  let stalled = false;
  let stallTimer: NodeJS.Timeout | undefined;
  const armStall = (): void => {
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, stallMs);
  };

  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    if (signal?.aborted) throw abortError(`Download of whisper model ${name}`);
    armStall();
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      throw networkFailure(error);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw fail(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    const lengthHeader = response.headers.get('content-length');
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;

    // Created only now, so a failed request leaves no empty models folder behind.
    await mkdir(dir, { recursive: true });
    handle = await open(temp, 'wx', 0o644);
    let bytes = 0;
    let head = Buffer.alloc(0);
    onProgress?.({ bytes, total });
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        armStall();
        if (head.length < 4) head = Buffer.concat([head, Buffer.from(chunk.subarray(0, 4 - head.length))]);
        await handle.write(chunk);
        bytes += chunk.byteLength;
        onProgress?.({ bytes, total });
      }
    } catch (error) {
      throw networkFailure(error);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;

    if (total !== undefined && bytes !== total) throw fail(`the connection closed after ${bytes} of ${total} bytes`);
    if (head.length < 4 || head.readUInt32LE(0) !== GGML_MAGIC) {
      throw fail(`the server sent ${bytes} bytes that are not a ggml model file`);
    }
    await rename(temp, file);
    return file;
  } finally {
    if (stallTimer) clearTimeout(stallTimer);
    signal?.removeEventListener('abort', onAbort);
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true });
  }

  function networkFailure(error: unknown): Error {
    if (signal?.aborted) return abortError(`Download of whisper model ${name}`);
    if (stalled) return fail(`no data received for ${formatSeconds(stallMs)}`);
    return fail(describeFetchError(error));
  }
}
