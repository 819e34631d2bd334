/**
 * Pipeline: N rendered screenshots through the engine (no cache) with the Ollama stand-in at a fixed latency and
 * parallelism, for several worker counts, against the CPU bound (OCR CPU seconds of the same images / cores).
 * Also peak RSS per worker and in total, time to first result, and how many children the pool started (the
 * setting is an upper bound: the pool grows past the core count only while cores sit idle).
 *   node --import tsx bench/pipeline.ts [--quick] [--images 200] [--workers 1,2,4,8] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeFiles } from '../src/core/engine';
import { scanFolder } from '../src/core/scan';
import { createOcrEngine } from '../src/processors/ocrEngine';
import { testMediaOptions } from '../test/support/mediaSettings';
import { startOllamaStandIn } from '../test/support/ollamaStandIn';
import { tempDir, WORKER_SCRIPT } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, images: { type: 'string' }, workers: { type: 'string' }, json: { type: 'string' } } });
const imageCount = Number(values.images ?? (values.quick ? 20 : 200));
const workerCounts = (values.workers ?? (values.quick ? '1,2' : '1,2,4,8')).split(',').map(Number);
const cores = os.availableParallelism();

/** Resident memory (kB) of this process's worker children, sampled until stopped; the peak per pid. */
function sampleWorkers(): { stop: () => { peakPerWorkerMb: number; peakTotalMb: number; childrenStarted: number } } {
  const peaks = new Map<number, number>();
  let peakTotal = 0;
  const timer = setInterval(() => {
    let out = '';
    try {
      out = execFileSync('ps', ['-o', 'pid=,rss=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    } catch {
      return; // no children right now
    }
    let total = 0;
    for (const line of out.split('\n').filter((l) => l.includes('worker.js'))) {
      const [pid, rss] = line.trim().split(/\s+/).map(Number);
      peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rss));
      total += rss;
    }
    peakTotal = Math.max(peakTotal, total);
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      return { peakPerWorkerMb: Math.round(Math.max(0, ...peaks.values()) / 1024), peakTotalMb: Math.round(peakTotal / 1024), childrenStarted: peaks.size };
    },
  };
}

async function main(): Promise<void> {
  const folder = await tempDir('bench-pipeline');
  for (let i = 0; i < imageCount; i++) {
    const lines = [`Screenshot ${i}: deploy pipeline PIPE-${7000 + i} finished`, `owner team-${i % 11}, cluster prod-eu-${i % 4}`, `duration ${i % 60} minutes, cost ${(i * 1.7).toFixed(2)} USD`];
    await writeFile(path.join(folder, `shot-${String(i).padStart(3, '0')}.png`), await renderTextImage(lines, 'image/png', 1100));
  }
  const { files } = await scanFolder(folder);

  // The CPU bound: every image OCR'd once by one warm engine, measured in CPU seconds (tesseract's thread included).
  const engine = await createOcrEngine();
  const cpuBefore = process.cpuUsage();
  for (const file of files) await engine.recognize(await readFile(file.path));
  const cpu = process.cpuUsage(cpuBefore);
  await engine.terminate();
  const ocrCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const boundImagesPerSecond = imageCount / (ocrCpuSeconds / cores);

  const ollama = await startOllamaStandIn({ latencyMs: 150, parallelism: 4 });
  const rows = [];
  for (const workers of workerCounts) {
    const memory = sampleWorkers();
    let firstResultSeconds = 0;
    const started = performance.now();
    const result = await summarizeFiles(files, {
      ollamaHost: ollama.url,
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
    const { peakPerWorkerMb, peakTotalMb, childrenStarted } = memory.stop();
    if (result.totals.ok !== imageCount) throw new Error(`only ${result.totals.ok} of ${imageCount} summarized`);
    const imagesPerSecond = imageCount / seconds;
    rows.push({ workers, seconds: Number(seconds.toFixed(1)), imagesPerSecond: Number(imagesPerSecond.toFixed(2)), ofCpuBound: `${Math.round((100 * imagesPerSecond) / boundImagesPerSecond)}%`, firstResultSeconds: Number(firstResultSeconds.toFixed(2)), childrenStarted, peakPerWorkerMb, peakTotalMb });
    console.log(JSON.stringify(rows.at(-1)));
  }
  await ollama.close();
  const summary = { images: imageCount, cores, ocrCpuSeconds: Number(ocrCpuSeconds.toFixed(1)), cpuBoundImagesPerSecond: Number(boundImagesPerSecond.toFixed(2)), ollama: '150 ms latency, parallelism 4' };
  console.log(JSON.stringify(summary));
  console.table(rows);
  if (values.json) await writeFile(values.json, JSON.stringify({ summary, rows }, null, 2));
}

void main();
