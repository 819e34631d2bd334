import { SpawnError, runProcess } from './exec';
import { doFix, type Fix } from '../../core/problems';
import { OWN_WHISPER_CLI, WhisperError } from './errors';

/*
 * Finds the programs needed to build whisper-cli before starting a build, so a machine without them gets one
 * sentence saying exactly what to install instead of a page of CMake errors. The lookup goes through the given
 * environment's PATH (Node's spawn rule), which also lets tests simulate a machine without cmake.
 */

export interface ToolLookupOptions {
  /** Environment whose PATH (and CXX/CC) is searched. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Platform whose install instructions are given. Default: process.platform. */
  platform?: NodeJS.Platform;
}

export interface BuildTools {
  cmake: string;
  cmakeVersion: string;
  /** The C++ compiler found (POSIX); undefined on Windows, where CMake locates Visual Studio itself. */
  cxx?: string;
  cxxVersion?: string;
  /** CMake generator to request, when the default one (Unix Makefiles) would not work. */
  generator?: string;
}

const PROBE_TIMEOUT_MS = 15_000;

/** First line of `program --version`, or undefined when the program is not there or does not run. */
export async function probeVersion(program: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const result = await runProcess(program, ['--version'], { env, timeoutMs: PROBE_TIMEOUT_MS, tailLines: 5 });
    if (result.code !== 0) return undefined;
    const first = [...result.stdoutTail, ...result.stderrTail].find((line) => line.trim() !== '');
    return first?.trim() ?? '';
  } catch (error) {
    if (error instanceof SpawnError) return undefined;
    throw error;
  }
}

async function firstAvailable(candidates: readonly string[], env: NodeJS.ProcessEnv): Promise<{ program: string; version: string } | undefined> {
  for (const program of candidates) {
    const version = await probeVersion(program, env);
    if (version !== undefined) return { program, version };
  }
  return undefined;
}

/** The exact install instructions for this platform (bringing one's own whisper-cli is the other fix). */
export function installFix(platform: NodeJS.Platform, needMake = false): Fix {
  switch (platform) {
    case 'darwin':
      return doFix('install them with `xcode-select --install` and `brew install cmake`');
    case 'win32':
      return doFix('install Visual Studio Build Tools (workload "Desktop development with C++") and CMake (`winget install Kitware.CMake` or https://cmake.org/download/)');
    default: {
      const make = needMake ? ' make' : '';
      return doFix(`install them (Debian/Ubuntu: \`sudo apt-get install cmake g++${make}\`; Fedora: \`sudo dnf install cmake gcc-c++${make}\`)`);
    }
  }
}

/**
 * Checks for cmake, a C and C++ compiler and a build program. Throws a WhisperError('tools-missing') naming what
 * is missing and how to install it.
 */
export async function findBuildTools(options: ToolLookupOptions = {}): Promise<BuildTools> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const missing: string[] = [];

  const cmake = await firstAvailable(['cmake'], env);
  if (!cmake) missing.push('cmake');

  if (platform === 'win32') {
    // MSVC's cl.exe is normally not on PATH; CMake's Visual Studio generator finds it through vswhere. A missing
    // Visual Studio is recognised later from CMake's configure output (see isMissingCompilerOutput).
    if (!cmake) throw missingToolsError(missing, platform, false);
    return { cmake: cmake.program, cmakeVersion: cmake.version };
  }

  // CMake itself honours CXX/CC first, then looks for these names; we look the same way.
  const cxx = await firstAvailable(candidates(env.CXX, ['c++', 'g++', 'clang++']), env);
  if (!cxx) missing.push(env.CXX ? `the C++ compiler CXX=${env.CXX}` : 'a C++ compiler (c++, g++ or clang++)');
  const cc = await firstAvailable(candidates(env.CC, ['cc', 'gcc', 'clang']), env);
  if (!cc) missing.push(env.CC ? `the C compiler CC=${env.CC}` : 'a C compiler (cc, gcc or clang)');

  // CMake's default generator on Unix is "Unix Makefiles", which needs make; Ninja works as well.
  let generator: string | undefined;
  let needMake = false;
  if ((await probeVersion('make', env)) === undefined) {
    if ((await probeVersion('ninja', env)) !== undefined) generator = 'Ninja';
    else {
      needMake = true;
      missing.push('make (or ninja)');
    }
  }

  if (missing.length > 0 || !cmake || !cxx) throw missingToolsError(missing, platform, needMake);
  return { cmake: cmake.program, cmakeVersion: cmake.version, cxx: cxx.program, cxxVersion: cxx.version, generator };
}

function candidates(fromEnv: string | undefined, defaults: readonly string[]): string[] {
  // Only a plain program name or path from CXX/CC is probed; "ccache g++" style values are left to CMake.
  return fromEnv && !/\s/.test(fromEnv.trim()) ? [fromEnv.trim()] : [...defaults];
}

export function missingToolsError(missing: readonly string[], platform: NodeJS.Platform, needMake: boolean): WhisperError {
  const list =
    missing.length === 0 ? 'a C/C++ compiler' : missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)!}`;
  return new WhisperError(
    'tools-missing',
    `Transcribing audio needs whisper-cli, which is built from source with cmake and a C/C++ compiler, ` +
      `but ${list} ${missing.length > 1 ? 'were' : 'was'} not found on PATH`,
    [installFix(platform, needMake), OWN_WHISPER_CLI],
  );
}

/** CMake configure output that means "no usable compiler" rather than a genuine build problem. */
export function isMissingCompilerOutput(lines: readonly string[]): boolean {
  const text = lines.join('\n');
  return /No CMAKE_(C|CXX)_COMPILER could be found|could not find any instance of Visual Studio|CMAKE_(C|CXX)_COMPILER not set|is not able to compile a simple test program/i.test(
    text,
  );
}
