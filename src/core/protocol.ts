/**
 * The typed messages between the coordinating process and a worker child (over the fork IPC channel).
 * Everything crossing it is plain JSON.
 */
import type { MediaKind } from './mediaTypes';
import type { MediaMetadata, RecordStatus } from './records';

export interface OllamaSettings {
  host: string;
  model: string;
  /** The model that describes images; undefined when vision is off or no vision model is available. */
  visionModel?: string;
  requestTimeoutMs: number;
  /** False when the preflight found Ollama unreachable or the model missing: files become "pending". */
  available: boolean;
  /** Why the LLM is unavailable, shown on pending records. */
  unavailableReason?: string;
}

/** How videos and audio files are handled (ffmpeg, whisper.cpp, frames). */
export interface MediaSettings {
  /** An explicit ffmpeg; else ffmpeg-static, else `ffmpeg` on PATH. */
  ffmpegPath?: string;
  /** An explicit whisper-cli; else one built from nodejs-whisper's sources under `dataDir`. */
  whisperCliPath?: string;
  /** A model name (base.en) looked up in `<dataDir>/models`, or a path to a ggml model file. */
  whisperModel: string;
  /** Where whisper models and the whisper-cli build live: the cache/storage folder, not node_modules. */
  dataDir: string;
  /** "auto" or a language code such as "en". */
  language: string;
  /** Threads for one transcription, sized so concurrent transcriptions do not oversubscribe the cores. */
  transcriptionThreads: number;
  /** Transcribe at most this many seconds of a recording; undefined for the whole file. */
  maxTranscribeSeconds?: number;
  frameIntervalSeconds: number;
  maxFrames: number;
}

export interface WorkerSettings {
  /** The cache directory; undefined with --no-cache. Workers write each stage's result as soon as it exists. */
  cacheDir?: string;
  ollama: OllamaSettings;
  media: MediaSettings;
}

/** Results of earlier runs that let a worker skip stages (e.g. OCR done, summary pending). */
export interface CachedStages {
  extract?: ExtractResult;
  vision?: string;
  transcript?: Transcript;
}

/** Speech as text; the segments keep their timestamps for later use, the summary prompt gets the text. */
export interface Transcript {
  text: string;
  segments: Array<{ startMs: number; endMs: number; text: string }>;
  language?: string;
}

export interface ExtractResult {
  text: string;
  metadata: MediaMetadata;
  /** Set when the content itself cannot be read (corrupt, truncated): the same bytes fail the same way. */
  error?: string;
}

export interface Job {
  id: number;
  path: string;
  kind: MediaKind;
  /** The content hash and the stat it was taken with: a file that changes afterwards is not cached wrongly. */
  sha256: string;
  size: number;
  mtimeMs: number;
  cached: CachedStages;
}

export type Stage = 'metadata' | 'frames' | 'ocr' | 'transcribe' | 'vision' | 'summary';

export interface JobResult {
  status: RecordStatus;
  summary?: string;
  title?: string;
  tags?: string[];
  error?: string;
  ocrText?: string;
  visionText?: string;
  transcript?: string;
  metadata: MediaMetadata;
  timings: Record<string, number>;
  llmCalls: number;
}

export type ToWorker =
  | { type: 'init'; settings: WorkerSettings }
  | { type: 'job'; job: Job }
  | { type: 'cancel'; id: number }
  | { type: 'shutdown' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'stage'; id: number; stage: Stage }
  | { type: 'progress'; id: number; stage: Stage; percent: number }
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'cancelled'; id: number }
  | { type: 'failed'; id: number; message: string };
