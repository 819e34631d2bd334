/**
 * Checks before a run that say what to do instead of failing file by file: ffmpeg and the whisper model (and a way
 * to get whisper-cli) when the files include videos or audio. Ollama is checked with the engine's preflight().
 * No `vscode` import.
 */
import { resolveFfmpeg } from '../../processors/media/ffmpeg';
import { completedBuild, validateWhisperCli } from '../../processors/whisper/build';
import { resolveWhisperModel } from '../../processors/whisper/models';
import { whisperBuildDir } from '../../processors/whisper/source';
import { findBuildTools } from '../../processors/whisper/tools';
import type { MediaKind } from '../../core/mediaTypes';
import type { MediaOptions } from '../../core/engine';
import { problemOf, type Problem } from '../../core/problems';
import { extensionWording } from './wording';

export type ToolProblemKind = 'ffmpeg' | 'whisper-model' | 'whisper-cli';

export interface ToolProblem {
  kind: ToolProblemKind;
  /** Worded for VS Code. */
  message: string;
  /** What fixes it, for the notification's buttons. */
  problem: Problem;
}

export interface ToolCheckOptions {
  media: Pick<MediaOptions, 'ffmpegPath' | 'whisperCliPath' | 'whisperModel' | 'dataDir'>;
  modelsDir: string;
  env?: NodeJS.ProcessEnv;
}

/** What is missing for the video and audio files of a run (nothing when there are only images). */
export async function mediaToolProblems(kinds: ReadonlySet<MediaKind>, options: ToolCheckOptions): Promise<ToolProblem[]> {
  if (!kinds.has('video') && !kinds.has('audio')) return [];
  const problems: ToolProblem[] = [];
  const found = (kind: ToolProblemKind) => (error: unknown) => {
    const problem = problemOf(error);
    problems.push({ kind, message: extensionWording(problem), problem });
  };
  const env = options.env ?? process.env;
  await resolveFfmpeg(options.media.ffmpegPath, env).catch(found('ffmpeg'));
  await resolveWhisperModel(options.media.whisperModel, options.modelsDir).catch(found('whisper-model'));
  if (options.media.whisperCliPath) {
    await validateWhisperCli(options.media.whisperCliPath).catch(found('whisper-cli'));
  } else {
    let built: string | undefined;
    try {
      built = await completedBuild(whisperBuildDir(options.media.dataDir));
    } catch (error) {
      found('whisper-cli')(error);
      return problems;
    }
    // Not built yet: it is built on first use, which needs cmake and a C++ compiler.
    if (!built) await findBuildTools({ env }).catch(found('whisper-cli'));
  }
  return problems;
}
