import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildProgressReporter, type BuildProgress } from './buildProgress';
import { doFix } from '../../core/problems';
import { formatSeconds } from '../../core/durations';
import { OWN_WHISPER_CLI, WhisperError, abortError, formatTail } from './errors';
import { runProcess, type RunResult } from './exec';
import { installFix, isMissingCompilerOutput, type BuildTools } from './tools';

/*
 * Runs CMake on the whisper.cpp sources: configure, then build only the whisper-cli target. Nothing here knows
 * about locks or cache folders; it turns (sources, an empty work folder) into a whisper-cli binary or a clear error.
 */

/**
 * Why each flag:
 * - Release: optimised code (whisper.cpp is ~10× slower without it). `--config Release` covers multi-config
 *   generators (Visual Studio, Xcode), CMAKE_BUILD_TYPE the single-config ones (Makefiles, Ninja).
 * - BUILD_SHARED_LIBS=OFF: libwhisper and libggml are linked into whisper-cli, so the binary can be copied out of
 *   the build tree on its own (no .so/.dylib/.dll next to it, no rpath into a deleted folder).
 * - GGML_NATIVE=OFF: no `-march=native`. ggml then targets a fixed baseline instead of the exact build CPU — on
 *   x86-64 SSE4.2/AVX/AVX2/FMA/F16C/BMI2 (any Intel/AMD CPU since ~2013–2015), on arm64 the compiler default (NEON;
 *   Apple clang: M1) — so a cache folder synced to, or a VM moved to, another machine still runs, and a build is
 *   reproducible. It costs only the AVX-512 paths on CPUs that have them (measured: see the report / README).
 * - WHISPER_BUILD_EXAMPLES=ON: whisper-cli is one of the examples; only that target is built (`--target`).
 * - WHISPER_BUILD_TESTS/SERVER=OFF, WHISPER_SDL2/CURL=OFF: nothing else is configured (faster, fewer dependencies).
 * - GGML_CCACHE=OFF: no writes to a ccache folder outside our cache, and no "ccache not found" warning.
 */
export const WHISPER_CMAKE_FLAGS: readonly string[] = [
  '-DCMAKE_BUILD_TYPE=Release',
  '-DBUILD_SHARED_LIBS=OFF',
  '-DGGML_NATIVE=OFF',
  '-DWHISPER_BUILD_TESTS=OFF',
  '-DWHISPER_BUILD_EXAMPLES=ON',
  '-DWHISPER_BUILD_SERVER=OFF',
  '-DWHISPER_SDL2=OFF',
  '-DWHISPER_CURL=OFF',
  '-DGGML_CCACHE=OFF',
];

export const WHISPER_CLI_NAME = process.platform === 'win32' ? 'whisper-cli.exe' : 'whisper-cli';

export interface CmakeBuildOptions {
  sourceDir: string;
  /** An empty folder for the CMake build tree. */
  workDir: string;
  tools: BuildTools;
  jobs: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Per step (configure, build). */
  timeoutMs?: number;
  onProgress?: (progress: BuildProgress) => void;
  /** After WHISPER_CMAKE_FLAGS (the platform VSIX links statically: scripts/package.ts). */
  extraFlags?: readonly string[];
}

/** Configures and builds; returns the path of whisper-cli inside workDir. */
export async function cmakeBuildWhisperCli(options: CmakeBuildOptions): Promise<string> {
  const { sourceDir, workDir, tools } = options;
  // One ring of both streams in arrival order: compilers write errors to stderr under make but to stdout under Ninja.
  const output: string[] = [];
  const keep = (line: string): void => {
    output.push(line);
    if (output.length > 40) output.shift();
  };
  const common = {
    env: options.env,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    killProcessGroup: true,
    tailLines: 1,
    onStdoutLine: keep,
    onStderrLine: keep,
  };

  options.onProgress?.({ phase: 'configuring', message: 'configuring' });
  const generator = tools.generator ? ['-G', tools.generator] : [];
  const configure = await runProcess(tools.cmake, ['-S', sourceDir, '-B', workDir, ...generator, ...WHISPER_CMAKE_FLAGS, ...(options.extraFlags ?? [])], common);
  checkStep(configure, output, 'configuring', sourceDir, options.timeoutMs);

  options.onProgress?.({ phase: 'building', percent: 0, message: 'building 0%' });
  output.length = 0;
  const report = buildProgressReporter(options.onProgress);
  const build = await runProcess(
    tools.cmake,
    ['--build', workDir, '--config', 'Release', '--target', 'whisper-cli', '-j', String(options.jobs)],
    {
      ...common,
      onStdoutLine: (line) => {
        keep(line);
        report(line);
      },
    },
  );
  checkStep(build, output, 'building', sourceDir, options.timeoutMs);

  // Single-config generators put it in bin/, Visual Studio and Xcode in bin/Release/.
  const candidates = [path.join(workDir, 'bin', WHISPER_CLI_NAME), path.join(workDir, 'bin', 'Release', WHISPER_CLI_NAME)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new WhisperError(
      'build-failed',
      `Building whisper-cli from ${sourceDir} reported success but produced no ${WHISPER_CLI_NAME} (looked in ${candidates.join(', ')})`,
      [OWN_WHISPER_CLI],
    );
  }
  return found;
}

function checkStep(
  result: RunResult,
  output: readonly string[],
  step: 'configuring' | 'building',
  sourceDir: string,
  timeoutMs: number | undefined,
): void {
  if (result.aborted) throw abortError('Building whisper-cli');
  if (result.timedOut) {
    throw new WhisperError(
      'build-failed',
      `Building whisper-cli timed out while ${step} (after ${formatSeconds(timeoutMs ?? 0)})`,
      [doFix('try again on a less busy machine'), OWN_WHISPER_CLI],
      formatTail(output),
    );
  }
  if (result.code === 0) return;
  const how = result.code === null ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
  if (step === 'configuring' && isMissingCompilerOutput(output)) {
    throw new WhisperError('tools-missing', `CMake found no working C/C++ compiler to build whisper-cli (cmake ${how})`, [installFix(process.platform), OWN_WHISPER_CLI], formatTail(output));
  }
  throw new WhisperError(
    'build-failed',
    `Building whisper-cli from ${sourceDir} failed while ${step} (cmake ${how})`,
    [doFix('fix the problem shown below (often a missing or too old compiler)'), OWN_WHISPER_CLI],
    formatTail(output, 20),
  );
}
