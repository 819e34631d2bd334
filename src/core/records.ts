import type { MediaKind } from './mediaTypes';
import type { Problem } from './problems';

export type RecordStatus = 'ok' | 'error' | 'pending';

/** What was learned about a file without the LLM: everything here is shown as inert text. */
export interface MediaMetadata {
  format?: string;
  width?: number;
  height?: number;
  sizeBytes?: number;
  durationSeconds?: number;
  exif?: { DateTime?: string; Make?: string; Model?: string; Software?: string };
  /** True when the image was downscaled before OCR. */
  downscaled?: boolean;
  videoCodec?: string;
  audioCodec?: string;
  /** Seconds of speech transcribed when a recording was longer than the configured cap. */
  transcribedSeconds?: number;
}

/** The one result a run produces per file: ok (summarized), pending (LLM unavailable) or error. */
export interface FileRecord {
  path: string;
  kind: MediaKind;
  status: RecordStatus;
  summary?: string;
  title?: string;
  tags?: string[];
  /** Why the file failed or is pending, worded for the front end that ran it. */
  error?: string;
  /** The same as data (code, facts, fixes), for a front end's buttons; absent for errors read from the cache. */
  problem?: Problem;
  cached: boolean;
  ocrText?: string;
  visionText?: string;
  transcript?: string;
  /** The language whisper heard in the transcript ("de"), or was told to use. */
  spokenLanguage?: string;
  /** What the summary request cost, as the server counted it; only for a summary made in this run. */
  llmUsage?: LlmUsage;
  metadata: MediaMetadata;
  sha256?: string;
  /** Another file of the same run with the same bytes, whose summary this record repeats (it was processed once). */
  duplicateOf?: string;
  /**
   * Summarized without a part of the file (a video's speech when the whisper model or whisper-cli is missing):
   * what is missing and how to get it. Such a summary is not cached, so the next run tries the missing part again.
   */
  partial?: Problem;
  /** Milliseconds per stage, for the log and benchmarks. */
  timings?: Record<string, number>;
}

/** The record of a file that could not be summarized (unreadable, unsupported, failed twice): not cached. */
export function errorRecord(file: { path: string; kind: MediaKind }, error: string, problem?: Problem): FileRecord {
  return { path: file.path, kind: file.kind, status: 'error', error, ...(problem ? { problem } : {}), cached: false, metadata: {} };
}

/** The final line of a run (`--json` prints it as `{"type":"run", ...}`). */
export interface RunTotals {
  files: number;
  ok: number;
  errors: number;
  pending: number;
  cached: number;
  llmCalls: number;
  seconds: number;
  /** Worker processes started (replacements included); the setting is only their upper bound. */
  workers: number;
  /** Times an LLM host was sent a request for another model than its last (a swap where only one model fits). */
  modelSwitches: number;
  /** Switches that sending requests in the order files asked would have made beyond these. */
  modelSwitchesAvoided: number;
}

/** The original script's record text: summary, a "Metadata:" line and the file name. */
export function formatRecordText(record: FileRecord, fileName: string): string {
  const body =
    record.status === 'ok'
      ? (record.summary ?? '')
      : record.status === 'pending'
        ? `Summary pending: ${record.error ?? 'the LLM was not available'}`
        : `Error: ${record.error ?? 'unknown error'}`;
  const meta = describeMetadata(record.metadata);
  return [body, meta ? `Metadata: ${meta}` : undefined, `Filename: ${fileName}`].filter(Boolean).join('\n');
}

export function describeMetadata(metadata: MediaMetadata): string {
  const parts: string[] = [];
  if (metadata.durationSeconds !== undefined) parts.push(`Duration: ${formatDuration(metadata.durationSeconds)}`);
  if (metadata.width && metadata.height) parts.push(`Dimensions: ${metadata.width}x${metadata.height}`);
  if (metadata.format) parts.push(`Format: ${metadata.format}`);
  const exif = metadata.exif ?? {};
  if (exif.DateTime) parts.push(`Date: ${exif.DateTime}`);
  const camera = [exif.Make, exif.Model].filter(Boolean).join(' ');
  if (camera) parts.push(`Camera: ${camera}`);
  if (exif.Software) parts.push(`Software: ${exif.Software}`);
  return parts.join(', ');
}

export function formatDuration(totalSeconds: number): string {
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = Math.round(totalSeconds - minutes * 60);
  return `${minutes}m ${seconds}s`;
}

export interface LlmUsage {
  promptTokens?: number;
  answerTokens?: number;
  /** The server's time to load the model for the request: long when it had to swap models in. */
  loadMs?: number;
}
