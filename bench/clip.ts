/**
 * Seconds for one 12-second screen recording (two text slides, the JFK speech fixture as audio) through the CLI:
 * first run (frames, OCR, whisper, summary) and re-run. Ollama is the test stand-in; whisper uses the fixture's
 * test model (MEDIA_SUMMARIZER_WHISPER_MODEL for a real one).
 *   node --import tsx bench/clip.ts
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../src/processors/media/ffmpeg';
import { makeSlideVideo } from '../test/support/makeMedia';
import { startOllamaStandIn } from '../test/support/ollamaStandIn';
import { CLI_SCRIPT, tempDir } from '../test/support/paths';
import { JFK_WAV, TEST_MODEL, testWhisperCli } from '../test/support/whisperBuild';

const run = promisify(execFile);

async function main(): Promise<void> {
  const { cli: whisperCli, buildMs } = await testWhisperCli();
  const folder = await tempDir('bench-clip');
  const cacheDir = await tempDir('bench-clip-cache');
  await makeSlideVideo(await resolveFfmpeg(), path.join(folder, 'clip.mov'), [
    { lines: ['Quarterly review Q3-2024', 'revenue up 12 percent'], seconds: 6 },
    { lines: ['Next steps: hire 3 engineers'], seconds: 6 },
  ], JFK_WAV);
  const ollama = await startOllamaStandIn();
  const model = process.env.MEDIA_SUMMARIZER_WHISPER_MODEL || TEST_MODEL;
  const once = async () => {
    const started = performance.now();
    const { stdout } = await run(process.execPath, [CLI_SCRIPT, folder, '--json', '--no-log', '--cache-dir', cacheDir, '--ollama-host', ollama.url, '--vision-model', 'none', '--whisper-cli', whisperCli, '--whisper-model', model]);
    const record = JSON.parse(stdout.split('\n')[0]);
    return { wallSeconds: Number(((performance.now() - started) / 1000).toFixed(2)), status: record.status, cached: record.cached, timingsMs: record.timings };
  };
  const first = await once();
  const rerun = await once();
  await ollama.close();
  console.log(JSON.stringify({ whisperModel: path.basename(model), whisperBuildMs: buildMs ?? 'reused', first, rerun }, null, 2));
}

void main();
