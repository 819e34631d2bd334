/*
 * Speech to text with whisper.cpp's whisper-cli, for video and audio files. Self-contained: no `vscode` import,
 * usable from the worker, the CLI and the extension alike.
 *
 *   const cli = await ensureWhisperCli({ cliPath: settings.whisperCli, buildDir: whisperBuildDir(cacheDir), onProgress });
 *   const model = await resolveWhisperModel(settings.whisperModel, modelsDir);
 *   const { text, segments } = await transcribe({ cliPath: cli, modelPath: model, wavPath, language: 'auto',
 *     threads: threadsPerTranscription(workers), signal, timeoutMs });
 */
export { ensureWhisperCli, completedBuild, validateWhisperCli, type EnsureWhisperCliOptions, type WhisperBuildInfo } from './build';
export type { BuildPhase, BuildProgress } from './buildProgress';
export { WHISPER_CMAKE_FLAGS } from './cmakeBuild';
export { WhisperError, isAbortError, type WhisperErrorCode } from './errors';
export {
  WHISPER_MODEL_BASE_URL,
  WHISPER_MODEL_NAMES,
  downloadWhisperModel,
  isWhisperModelName,
  resolveWhisperModel,
  whisperModelFileName,
  whisperModelUrl,
  type DownloadOptions,
  type DownloadProgress,
  type WhisperModelName,
} from './models';
export { whisperBuildDir, whisperSource, type WhisperSource } from './source';
export { findBuildTools, type BuildTools, type ToolLookupOptions } from './tools';
export { threadsPerTranscription, transcribe, type TranscribeOptions, type Transcript, type TranscriptSegment } from './transcribe';
