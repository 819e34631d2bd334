/**
 * Pipeline: N rendered screenshots through the engine (no cache) with the Ollama stand-in (its own process) at a
 * fixed latency and parallelism, for several worker counts, against the CPU bound (OCR CPU seconds of the same
 * images / cores). Also where the cores' time went (OCR threads, the rest of the workers, the coordinator, the
 * stand-in), peak RSS per worker and in total, an idle warm worker's RSS, time to first result, and how many
 * children the pool started (the setting is an upper bound: the pool grows past the core count only while
 * cores sit idle).
 *   node --import tsx bench/pipeline.ts [--quick] [--images 200] [--workers 1,2,4,8] [--latency 150] [--parallel 4] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeFiles } from '../src/core/engine';
import { scanFolder } from '../src/core/scan';
import { WorkerPool } from '../src/core/pool';
import { prepareImage } from '../src/processors/imageInput';
import { createOcrEngine } from '../src/processors/ocrEngine';
import { testMediaOptions } from '../test/support/mediaSettings';
import { tempDir, WORKER_SCRIPT } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';
import { cpuSecondsOf, sampleWorkers, statusKb } from './workerSampler';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, images: { type: 'string' }, workers: { type: 'string' }, latency: { type: 'string', default: '150' }, parallel: { type: 'string', default: '4' }, json: { type: 'string' } },
});
const imageCount = Number(values.images ?? (values.quick ? 20 : 200));
const workerCounts = (values.workers ?? (values.quick ? '1,2' : '1,2,4,8')).split(',').map(Number);
const cores = os.availableParallelism();

/**
 * The Ollama stand-in in a process of its own (test/support/ollamaStandInCli.ts), so its CPU is told apart from
 * the coordinator's: it stands in for a server whose real cost (a language model) is far higher anyway.
 */
async function startStandInProcess(): Promise<{ url: string; pid: number; close: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../test/support/ollamaStandInCli.ts'), '--latency', values.latency, '--parallel', values.parallel], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    pid: child.pid!,
    close: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/**
 * Resident memory of an idle warm worker: one child through the pool, models loaded, six images OCR'd and
 * summarized, then a second of doing nothing before VmRSS is read.
 */
async function idleWarmWorkerMb(files: Array<{ path: string; size: number; mtimeMs: number }>, ollamaHost: string): Promise<number> {
  const pool = new WorkerPool({
    script: WORKER_SCRIPT,
    size: 1,
    initialChildren: 1,
    taskTimeoutMs: 120_000,
    settings: { ollama: { api: 'ollama', host: ollamaHost, model: 'llama3.2:3b', requestTimeoutMs: 60_000, contextTokens: 8192, available: true }, media: { ...testMediaOptions(), transcriptionThreads: 1 } },
  });
  try {
    for (const [id, file] of files.entries()) {
      await pool.run({ id, path: file.path, kind: 'image', sha256: `idle-${id}`, size: file.size, mtimeMs: file.mtimeMs, cached: {} });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return Math.round(statusKb(pool.liveChildren[0], 'VmRSS') / 1024);
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const folder = await tempDir('bench-pipeline');
  for (let i = 0; i < imageCount; i++) {
    const lines = [`Screenshot ${i}: deploy pipeline PIPE-${7000 + i} finished`, `owner team-${i % 11}, cluster prod-eu-${i % 4}`, `duration ${i % 60} minutes, cost ${(i * 1.7).toFixed(2)} USD`];
    await writeFile(path.join(folder, `shot-${String(i).padStart(3, '0')}.png`), await renderTextImage(lines, 'image/png', 1100));
  }
  const { files } = await scanFolder(folder);

  // The CPU bound: every image OCR'd once by one warm engine, measured in CPU seconds (tesseract's thread included).
  // The CPU bound: every image OCR'd once by one warm engine from the input a worker makes of it (read, identify,
  // gray PGM), in CPU seconds (tesseract's thread included), measured before and after the runs: this
  // machine's speed drifts by up to 20% over minutes, so the mean is the bound and both ends are reported.
  const engine = await createOcrEngine();
  const ocrInput = async (file: string) => (await prepareImage(file)).ocrInput;
  await engine.recognize(await ocrInput(files[0].path));
  const ocrCpuOnce = async () => {
    const cpuBefore = process.cpuUsage();
    for (const file of files) await engine.recognize(await ocrInput(file.path));
    const cpu = process.cpuUsage(cpuBefore);
    return (cpu.user + cpu.system) / 1e6;
  };
  const ocrCpuBefore = await ocrCpuOnce();

  const ollama = await startStandInProcess();
  const rows = [];
  for (const workers of workerCounts) {
    const memory = sampleWorkers();
    let firstResultSeconds = 0;
    const coordinatorCpuBefore = process.cpuUsage();
    const standInCpuBefore = cpuSecondsOf(`/proc/${ollama.pid}/stat`);
    const started = performance.now();
    const result = await summarizeFiles(files, {
      ollamaHost: ollama.url,
      // As many slots as the stand-in serves at once: this benchmark measures OCR, with an LLM of that capacity.
      llmSlots: Number(values.parallel),
      model: 'llama3.2:3b',
      vision: 'none',
      workers,
      requestTimeoutMs: 60_000,
      workerScript: WORKER_SCRIPT,
      media: testMediaOptions(),
      onEvent: (event) => {
        if (event.type === 'done' && !firstResultSeconds) firstResultSeconds = (performance.now() - started) / 1000;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const coordinatorCpu = process.cpuUsage(coordinatorCpuBefore);
    const standInCpuSeconds = cpuSecondsOf(`/proc/${ollama.pid}/stat`) - standInCpuBefore;
    const { peakPerWorkerMb, peakTotalMb, childrenStarted, workerCpuSeconds, ocrThreadCpuSeconds } = memory.stop();
    // Where the cores went, as shares of the core-seconds the run had: the workers' OCR threads, the rest of
    // the workers (start-up, reading files, Ollama's stream, the cache, IPC), the coordinator (this process:
    // scan, hashes, claims, records), the Ollama stand-in, and what is left (idle, the kernel, this sampler).
    const coreSeconds = seconds * cores;
    const coordinatorCpuSeconds = (coordinatorCpu.user + coordinatorCpu.system) / 1e6;
    const share = (value: number) => `${Math.round((100 * value) / coreSeconds)}%`;
    if (result.totals.ok !== imageCount) throw new Error(`only ${result.totals.ok} of ${imageCount} summarized`);
    const imagesPerSecond = imageCount / seconds;
    rows.push({
      workers,
      seconds: Number(seconds.toFixed(1)),
      imagesPerSecond: Number(imagesPerSecond.toFixed(2)),
      ofCpuBound: '', // filled in once the bound's second measurement is in
      firstResultSeconds: Number(firstResultSeconds.toFixed(2)),
      childrenStarted,
      peakPerWorkerMb,
      peakTotalMb,
      cpuOcrThreads: share(ocrThreadCpuSeconds),
      cpuWorkersOther: share(workerCpuSeconds - ocrThreadCpuSeconds),
      cpuCoordinator: share(coordinatorCpuSeconds),
      cpuStandIn: share(standInCpuSeconds),
      cpuRest: share(coreSeconds - workerCpuSeconds - coordinatorCpuSeconds - standInCpuSeconds),
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
  const idleWorkerMb = await idleWarmWorkerMb(files.slice(0, 6), ollama.url);
  console.log(JSON.stringify({ idleWarmWorkerMb: idleWorkerMb }));
  await ollama.close();
  const ocrCpuAfter = await ocrCpuOnce();
  await engine.terminate();
  const ocrCpuSeconds = (ocrCpuBefore + ocrCpuAfter) / 2;
  const boundImagesPerSecond = imageCount / (ocrCpuSeconds / cores);
  for (const row of rows) row.ofCpuBound = `${Math.round((100 * row.imagesPerSecond) / boundImagesPerSecond)}%`;
  const summary = {
    images: imageCount,
    cores,
    ocrCpuSeconds: { before: Number(ocrCpuBefore.toFixed(1)), after: Number(ocrCpuAfter.toFixed(1)), mean: Number(ocrCpuSeconds.toFixed(1)) },
    cpuBoundImagesPerSecond: Number(boundImagesPerSecond.toFixed(2)),
    idleWarmWorkerMb: idleWorkerMb,
    ollama: `${values.latency} ms latency, parallelism ${values.parallel}, own process`,
  };
  console.log(JSON.stringify(summary));
  console.table(rows);
  if (values.json) await writeFile(values.json, JSON.stringify({ summary, rows }, null, 2));
}

void main();
