/**
 * `npm run package [-- --target linux-x64] [vsce options]`: the VSIX. Without --target, the universal one, which
 * builds whisper-cli on first use. With --target, a platform VSIX that carries in bin/<target>/ what a user would
 * otherwise install: ffmpeg (the static build inside the @ffmpeg-installer/<target> npm package — ffmpeg-static's
 * own binaries come from GitHub, which its installer cannot reach everywhere) and whisper-cli compiled here from
 * nodejs-whisper's whisper.cpp sources, linked statically (no glibc or libstdc++ version to match), with their
 * licences. bin/ exists only while vsce packs it, so a development checkout keeps finding the usual tools.
 *
 * whisper-cli is compiled for the machine that builds it, so a target is built on its own platform: linux-x64
 * here. (A win32-x64 one cross-built with mingw-w64 and tested under wine is not made yet.)
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseTarGzip } from 'nanotar';
import { WHISPER_CMAKE_FLAGS, cmakeBuildWhisperCli } from '../src/processors/whisper/cmakeBuild';
import { whisperSource } from '../src/processors/whisper/source';
import { findBuildTools } from '../src/processors/whisper/tools';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');

interface Target {
  platform: NodeJS.Platform;
  arch: string;
  /** The npm package whose tarball holds a static ffmpeg for the target, and the file in it. */
  ffmpegPackage: string;
  ffmpegFile: string;
}

const TARGETS: Partial<Record<string, Target>> = {
  'linux-x64': { platform: 'linux', arch: 'x64', ffmpegPackage: '@ffmpeg-installer/linux-x64@4.1.0', ffmpegFile: 'package/ffmpeg' },
};

/**
 * Static, and without OpenMP (its runtime exists only as a shared library); ggml then runs its own thread pool.
 * GGML_NATIVE stays off (WHISPER_CMAKE_FLAGS): the binary targets a baseline x86-64 CPU, not this one.
 */
const STATIC_FLAGS = ['-DGGML_OPENMP=OFF', '-DCMAKE_EXE_LINKER_FLAGS=-static'];

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

/** whisper-cli for the VSIX, built once per whisper.cpp version into a cache folder outside the checkout. */
async function prebuiltWhisperCli(): Promise<string> {
  const source = whisperSource();
  const workDir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'media-summarizer-package', `whisper-cli-${source.version}-static`);
  const built = path.join(workDir, 'bin', 'whisper-cli');
  if (await exists(built)) return built;
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  process.stderr.write(`package: building a static whisper-cli from whisper.cpp ${source.version} (a few minutes, once)…\n`);
  return cmakeBuildWhisperCli({ sourceDir: source.dir, workDir, tools: await findBuildTools(), jobs: os.availableParallelism(), extraFlags: STATIC_FLAGS });
}

/** The ffmpeg binary out of its npm package's tarball (npm pack: from the registry, no install scripts run). */
async function ffmpegFromNpm(target: Target, into: string): Promise<string> {
  const temp = await mkdtemp(path.join(os.tmpdir(), 'ms-ffmpeg-'));
  try {
    const { stdout } = await run('npm', ['pack', target.ffmpegPackage, '--pack-destination', temp, '--silent'], { maxBuffer: 1024 * 1024 });
    const tarball = path.join(temp, stdout.trim().split('\n').at(-1)!);
    const entries = await parseTarGzip(await readFile(tarball));
    const binary = entries.find((entry) => entry.name === target.ffmpegFile)?.data;
    if (!binary) throw new Error(`${target.ffmpegPackage} has no ${target.ffmpegFile}`);
    await writeFile(into, binary);
    await chmod(into, 0o755);
    return into;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function notices(dir: string, target: Target): Promise<void> {
  const ffmpegVersion = (await run(path.join(dir, 'ffmpeg'), ['-version'])).stdout.split('\n')[0];
  const whisper = whisperSource();
  await copyFile(path.join(whisper.dir, 'LICENSE'), path.join(dir, 'LICENSE.whisper.cpp.txt'));
  const gpl = '/usr/share/common-licenses/GPL-3';
  if (await exists(gpl)) await copyFile(gpl, path.join(dir, 'COPYING.GPL-3.txt'));
  await writeFile(
    path.join(dir, 'THIRD-PARTY-NOTICES.md'),
    [
      '# Programs in this folder',
      '',
      `- \`ffmpeg\`: ${ffmpegVersion}, the static build by John Van Sickle (https://johnvansickle.com/ffmpeg/) as published in the npm package ${target.ffmpegPackage}. It is free software under the GNU General Public License version 3 (built with --enable-gpl --enable-version3; COPYING.GPL-3.txt); its source is at https://ffmpeg.org/download.html and the build's at https://johnvansickle.com/ffmpeg/. Media Summarizer runs it as a separate program.`,
      `- \`whisper-cli\`: built from whisper.cpp ${whisper.version} (https://github.com/ggml-org/whisper.cpp), as shipped in the nodejs-whisper npm package, under the MIT licence (LICENSE.whisper.cpp.txt); flags: ${[...WHISPER_CMAKE_FLAGS, ...STATIC_FLAGS].join(' ')}.`,
      '',
    ].join('\n'),
  );
}

async function main(args: string[]): Promise<void> {
  // --only-on-target (npm run package:platform, in test:e2e): elsewhere say so and make nothing, not fail.
  const onlyOnTarget = args.includes('--only-on-target');
  const argv = args.filter((arg) => arg !== '--only-on-target');
  const at = argv.indexOf('--target');
  const targetName = at >= 0 ? argv[at + 1] : undefined;
  const vsceArgs = ['package', '--dependencies', '--no-yarn', ...argv];
  const binDir = path.join(ROOT, 'bin');
  await rm(binDir, { recursive: true, force: true });
  try {
    if (targetName !== undefined) {
      const target = TARGETS[targetName];
      if (!target) throw new Error(`no platform VSIX is made for "${targetName}" (made: ${Object.keys(TARGETS).join(', ')}); every other platform uses the universal VSIX`);
      if (target.platform !== process.platform || target.arch !== process.arch) {
        if (onlyOnTarget) return void process.stderr.write(`package: no ${targetName} VSIX made on ${process.platform}-${process.arch} (its whisper-cli is compiled on ${targetName})\n`);
        throw new Error(`${targetName}'s whisper-cli is compiled on ${targetName}; this is ${process.platform}-${process.arch}`);
      }
      const dir = path.join(binDir, targetName);
      await mkdir(dir, { recursive: true });
      await copyFile(await prebuiltWhisperCli(), path.join(dir, 'whisper-cli'));
      await chmod(path.join(dir, 'whisper-cli'), 0o755);
      await ffmpegFromNpm(target, path.join(dir, 'ffmpeg'));
      await notices(dir, target);
    }
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vsce'), vsceArgs, { cwd: ROOT, stdio: 'inherit' });
  } finally {
    await rm(binDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`package: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
