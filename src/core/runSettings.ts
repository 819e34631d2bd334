import type { LlmApi } from './llmErrors';
import type { Problem } from './problems';

/** The settings of a run that every worker gets once, when it starts (Ollama, video and audio, the cache). */

export interface OllamaSettings {
  /** The API the LLM servers speak: Ollama's own, or the OpenAI-compatible one. */
  api: LlmApi;
  host: string;
  model: string;
  /** The model that describes images; undefined when vision is off or no vision model is available. */
  visionModel?: string;
  requestTimeoutMs: number;
  /** num_ctx of every request; prompts are fitted to it. */
  contextTokens: number;
  /** False when the preflight found Ollama unreachable or the model missing: files become "pending". */
  available: boolean;
  /** Why the LLM is unavailable, given to pending records. */
  unavailableReason?: Problem;
}

/** How videos and audio files are handled (ffmpeg, whisper.cpp, frames). */
export interface MediaSettings {
  /** An explicit ffmpeg; else ffmpeg-static, else `ffmpeg` on PATH. */
  ffmpegPath?: string;
  /** An explicit whisper-cli; else one built from nodejs-whisper's sources under `dataDir`. */
  whisperCliPath?: string;
  /** False: a whisper-cli not built yet is not built by this run (VS Code, after the user cancelled the build). */
  buildWhisperCli?: boolean;
  /** A model name (base.en) looked up in `<dataDir>/models`, or a path to a ggml model file. */
  whisperModel: string;
  /** Where whisper models and the whisper-cli build live: the cache/storage folder, not node_modules. */
  dataDir: string;
  /** "auto" or a language code such as "en" (whisper's). */
  language: string;
  /** tesseract's OCR languages, "eng+deu"; undefined is English. */
  ocrLanguages?: string;
  /** The language of summaries, titles and tags: "auto" (the material's; the default) or a tag such as "de". */
  summaryLanguage?: string;
  /** The user's language (VS Code's display language, the CLI's locale): "auto"'s answer when the material has none. */
  fallbackLanguage?: string;
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
