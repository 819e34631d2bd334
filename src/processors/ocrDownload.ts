/**
 * Download OCR Language…: a language's data from its `@tesseract.js-data/<lang>` package on the npm registry (or a
 * mirror of it — Verdaccio, Artifactory —, setting `ocr.downloadBaseUrl`), the same files tesseract.js's own CDN
 * serves. The registry's answer names the package's tarball and its sha512 (npm's `integrity`); the tarball is
 * checked against it, and only its best_int model is kept, as `<dataDir>/ocr-data/<lang>.traineddata.gz` —
 * written aside and renamed, so that name never holds a partial file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseTar } from 'nanotar';
import { formatSeconds } from '../core/durations';
import { describeFetchError } from '../core/fetchErrors';
import { doFix, problem, ProblemError } from '../core/problems';
import { OCR_DATA_FLAVOUR, ocrDataDir, parseOcrLanguages } from './ocrLanguages';
import { abortError } from './whisper/errors';

export const OCR_DATA_REGISTRY = 'https://registry.npmjs.org';

/** The largest language package (chi_tra, both flavours) is about 25 MB; anything far past it is not one. */
const MAX_TARBALL_BYTES = 100 * 1024 * 1024;

export interface OcrDownloadOptions {
  /** A registry or a mirror of it; default https://registry.npmjs.org. */
  baseUrl?: string;
  onProgress?: (progress: { bytes: number; total?: number }) => void;
  signal?: AbortSignal;
  /** Abort when no data arrives for this long. Default 60 s. */
  stallTimeoutMs?: number;
}

interface Packument {
  'dist-tags'?: { latest?: string };
  versions?: Record<string, { dist?: { tarball?: string; integrity?: string } }>;
}

/** Downloads `lang` (one tesseract code) and returns its file; one already downloaded is kept as it is. */
export async function downloadOcrLanguage(lang: string, dataDir: string, options: OcrDownloadOptions = {}): Promise<string> {
  const [code] = parseOcrLanguages(lang);
  const file = path.join(ocrDataDir(dataDir), `${code}.traineddata.gz`);
  if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file;
  const base = (options.baseUrl ?? OCR_DATA_REGISTRY).replace(/\/+$/, '');
  const packageUrl = `${base}/@tesseract.js-data%2f${code}`;
  const fail = (reason: string, fix = 'check the internet connection, or set a mirror of the npm registry in the OCR download setting') =>
    new ProblemError(problem('ocr-download-failed', `Could not download OCR data for "${code}" from ${base} (${reason})`, doFix(fix)));

  const transfer = new Transfer(options, () => fail(`no data received for ${formatSeconds(options.stallTimeoutMs ?? 60_000)}`), fail);
  try {
    const meta = await transfer.get(packageUrl);
    if (meta.status === 404) throw fail('no such language', `use one of tesseract's codes (deu, fra, spa, jpn, chi_sim, …); the list: https://tesseract-ocr.github.io/tessdoc/Data-Files-in-different-versions.html`);
    if (!meta.ok) throw fail(`HTTP ${meta.status}`);
    const packument = JSON.parse((await transfer.body(meta, 10 * 1024 * 1024, false)).toString('utf8')) as Packument;
    const latest = packument['dist-tags']?.latest;
    const dist = latest ? packument.versions?.[latest]?.dist : undefined;
    if (!dist?.tarball || !dist.integrity?.startsWith('sha512-')) throw fail('the registry named no package file with a sha512 checksum');
    const tarball = await transfer.get(dist.tarball);
    if (!tarball.ok) throw fail(`HTTP ${tarball.status} for ${dist.tarball}`);
    const bytes = await transfer.body(tarball, MAX_TARBALL_BYTES, true);
    if (`sha512-${createHash('sha512').update(bytes).digest('base64')}` !== dist.integrity) throw fail('the package does not match its checksum');
    const wanted = `package/${OCR_DATA_FLAVOUR}/${code}.traineddata.gz`;
    const entry = parseTar(gunzipSync(bytes)).find((item) => item.name === wanted);
    if (!entry?.data || entry.data[0] !== 0x1f || entry.data[1] !== 0x8b) throw fail(`the package has no ${OCR_DATA_FLAVOUR}/${code}.traineddata.gz`);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
    try {
      await writeFile(temp, entry.data);
      await rename(temp, file);
    } finally {
      await rm(temp, { force: true });
    }
    return file;
  } finally {
    transfer.finish();
  }
}

/** Requests with the caller's cancel and a stall bound (each chunk re-arms it); the timer is ours, held here. */
class Transfer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private stalled = false;
  private readonly onAbort = () => this.controller.abort();

  constructor(
    private readonly options: OcrDownloadOptions,
    private readonly stallError: () => Error,
    private readonly fail: (reason: string) => Error,
  ) {
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.controller.abort();
    }, this.options.stallTimeoutMs ?? 60_000);
  }

  private failure(error: unknown): Error {
    if (this.options.signal?.aborted) return abortError('The OCR language download');
    if (this.stalled) return this.stallError();
    return error instanceof ProblemError ? error : this.fail(describeFetchError(error));
  }

  async get(url: string): Promise<Response> {
    if (this.options.signal?.aborted) throw abortError('The OCR language download');
    this.arm();
    try {
      return await fetch(url, { signal: this.controller.signal, redirect: 'follow', headers: { accept: 'application/json, application/octet-stream' } });
    } catch (error) {
      throw this.failure(error);
    }
  }

  async body(response: Response, maxBytes: number, report: boolean): Promise<Buffer> {
    const header = response.headers.get('content-length');
    const total = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    try {
      for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
        this.arm();
        bytes += chunk.byteLength;
        if (bytes > maxBytes) throw this.fail(`more than ${Math.round(maxBytes / 1024 / 1024)} MB: not a language package`);
        chunks.push(chunk);
        if (report) this.options.onProgress?.({ bytes, total });
      }
    } catch (error) {
      throw this.failure(error);
    }
    if (total !== undefined && bytes !== total) throw this.fail(`the connection closed after ${bytes} of ${total} bytes`);
    return Buffer.concat(chunks);
  }

  finish(): void {
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}
