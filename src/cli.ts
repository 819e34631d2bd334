#!/usr/bin/env node
/**
 * media-summarizer [folder] — the headless entry point: the same engine the extension runs.
 */
import path from 'node:path';
import { ProgressDisplay, renderTable, renderTotals } from './cli/terminal';
import { parseCliArgs, USAGE, UsageError, type CliOptions } from './cli/args';
import { resolveDesktop } from './core/desktop';
import { exportRecords } from './core/exportRecords';
import { defaultCacheDir, summarizeFolder, type RunEvent } from './core/engine';
import { inertTerminalText } from './core/inert';
import { problemOf } from './core/problems';
import { runOrganize, runUndo } from './cli/organizeCommand';
import { runEvalCommand } from './cli/evalCommand';
import { runSearch } from './cli/searchCommand';
import { cliWording } from './cli/wording';
import { downloadOcrLanguagesCommand, downloadWhisperModelCommand } from './cli/downloadCommands';
import { defaultOcrLanguages } from './processors/ocrLanguages';
import { primaryLanguage } from './processors/summaryLanguage';

declare const PACKAGE_VERSION: string;

async function main(argv: string[]): Promise<number> {
  // Its own flags (--json takes a file there): parsed apart from the main command's.
  if (argv[0] === 'eval') return runEvalCommand(argv.slice(1), path.join(__dirname, 'worker.js'));
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`media-summarizer: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.version) {
    process.stdout.write(`${typeof PACKAGE_VERSION === 'string' ? PACKAGE_VERSION : 'dev'}\n`);
    return 0;
  }

  // Whisper models and the whisper-cli build live in the cache folder, even with --no-cache (results only).
  const dataDir = path.resolve(options.cacheDir ?? defaultCacheDir());
  if (options.downloadWhisperModel) return downloadWhisperModelCommand(options.downloadWhisperModel, dataDir);
  if (options.downloadOcrLanguages) return downloadOcrLanguagesCommand(options.downloadOcrLanguages, dataDir, options.ocrDownloadUrl);
  const ocrLanguages = options.ocrLanguages ?? defaultOcrLanguages(systemLocale(), dataDir);
  const fallbackLanguage = primaryLanguage(systemLocale());
  const folder = path.resolve(options.folder ?? (await resolveDesktop()));
  const maxTranscribeSeconds = options.maxTranscribeMinutes === undefined ? undefined : options.maxTranscribeMinutes * 60;
  if (options.undo) return runUndo({ cacheDir: dataDir, json: options.json });
  // What organize and search read from the cache for the folder's files (nothing is summarized by them).
  const cached = {
    folder,
    recursive: options.recursive,
    cacheDir: dataDir,
    ollamaHost: options.ollamaHost,
    model: options.model,
    vision: options.vision,
    media: { whisperModel: options.whisperModel, language: options.language, maxTranscribeSeconds, ocrLanguages, summaryLanguage: options.summaryLanguage, fallbackLanguage },
    json: options.json,
    onWarning: (message: string) => process.stderr.write(`warning: ${inertTerminalText(message)}\n`),
  };
  if (options.organize) {
    return runOrganize(options.organize, {
      ...cached,
      // Topic folders are named by the summary model, and grouped by the vectors search made when there are any.
      llmApi: options.llmApi,
      contextTokens: options.contextTokens,
      requestTimeoutMs: options.requestTimeoutSeconds * 1000,
      embedModel: options.llmApi === 'openai' ? 'none' : options.embedModel,
    });
  }
  if (options.search) {
    return runSearch(options.search, {
      ...cached,
      // Search by meaning needs Ollama's /api/embed; with an OpenAI-compatible server it is by words.
      embedModel: options.llmApi === 'openai' ? 'none' : options.embedModel,
    });
  }
  const controller = new AbortController();
  let interrupted = 0;
  process.on('SIGINT', () => {
    // First Ctrl+C cancels cleanly (workers stop, finished files stay cached); a second one leaves at once.
    if (++interrupted > 1) process.exit(130);
    process.stderr.write('\nCancelling… (press Ctrl+C again to quit at once)\n');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());

  // isTTY is undefined when stderr is not a terminal, whatever the type says.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion
  const interactive = !options.json && Boolean(process.stderr.isTTY);
  const progress = interactive ? new ProgressDisplay() : undefined;
  const warnings: string[] = [];
  const onEvent = (event: RunEvent) => {
    progress?.handle(event);
    if (event.type === 'warning') {
      if (progress) warnings.push(event.message);
      else process.stderr.write(`warning: ${inertTerminalText(event.message)}\n`);
    }
    if (event.type === 'done' && options.json) {
      process.stdout.write(`${JSON.stringify(event.record)}\n`);
    }
  };

  try {
    const result = await summarizeFolder({
      folder,
      recursive: options.recursive,
      workers: options.workers,
      ollamaHost: options.ollamaHost,
      llmSlots: options.ollamaSlots,
      extraHosts: options.extraHosts,
      llmApi: options.llmApi,
      contextTokens: options.contextTokens,
      embedModel: options.embedModel,
      model: options.model,
      vision: options.vision,
      cacheDir: options.noCache ? undefined : dataDir,
      refresh: options.refresh,
      requestTimeoutMs: options.requestTimeoutSeconds * 1000,
      media: {
        ffmpegPath: options.ffmpegPath,
        whisperCliPath: options.whisperCliPath,
        whisperModel: options.whisperModel,
        language: options.language,
        ocrLanguages,
        summaryLanguage: options.summaryLanguage,
        fallbackLanguage,
        frameIntervalSeconds: options.frameIntervalSeconds,
        maxFrames: options.maxFrames,
        maxTranscribeSeconds,
        dataDir,
      },
      workerScript: path.join(__dirname, 'worker.js'),
      log: options.log,
      signal: controller.signal,
      onEvent,
      wording: cliWording,
    });
    progress?.stop();
    for (const message of warnings) process.stderr.write(`warning: ${inertTerminalText(message)}\n`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ type: 'run', ...result.totals, cancelled: result.cancelled })}\n`);
    } else if (options.format) {
      process.stdout.write(exportRecords(result.records, options.format, folder));
      process.stderr.write(`${renderTotals(result.totals, result.logFile)}${result.cancelled ? '\nCancelled.' : ''}\n`);
    } else {
      if (result.records.length > 0) process.stdout.write(`${renderTable(result.records)}\n\n`);
      else process.stdout.write(`No media files in ${inertTerminalText(folder)}${options.recursive ? '' : ' (top level; use --recursive for sub-folders)'}.\n`);
      process.stdout.write(`${renderTotals(result.totals, result.logFile)}${result.cancelled ? '\nCancelled.' : ''}\n`);
    }
    return 0;
  } catch (error) {
    progress?.stop();
    process.stderr.write(`media-summarizer: ${inertTerminalText(cliWording(problemOf(error)))}\n`);
    return 1;
  }
}

/** `--download-whisper-model NAME`: fetches ggml-NAME.bin into <cache-dir>/models with a progress bar. */
/** The user's locale: LC_ALL, LC_MESSAGES or LANG where set (de_DE.UTF-8), else what Intl was started with. */
function systemLocale(): string {
  const fromEnv = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG;
  return fromEnv && fromEnv !== 'C' && fromEnv !== 'POSIX' ? fromEnv.replace(/\..*$/, '') : Intl.DateTimeFormat().resolvedOptions().locale;
}

// `media-summarizer --json | head -1`: a reader that closed the pipe has all it wanted; leave quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`media-summarizer: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
