/**
 * `media-summarizer eval` (and `npm run eval --`): the evaluation set through the real pipeline with a real
 * model, scored — a table, and with --json FILE the report as JSON; --compare A,B runs two models on the same set
 * and sets their totals side by side. Against the test stand-in the scores mean nothing (its answers quote the
 * prompt); against a real server they say which model keeps the facts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCacheDir } from '../core/engine';
import { inertTerminalText } from '../core/inert';
import type { LlmApi } from '../core/llmErrors';
import { normalizeHostFor } from '../core/llmHosts';
import { DEFAULT_MODEL } from '../core/ollama';
import { problemOf } from '../core/problems';
import { renderComparison, renderReport } from '../eval/report';
import { runEval, type EvalReport } from '../eval/runEval';
import { isSummaryLanguage } from '../processors/summaryLanguage';
import { UsageError } from './args';
import { cliWording } from './wording';

export const EVAL_USAGE = `Usage: media-summarizer eval [--ollama-host URL] [--model NAME | --compare A,B] [--vision-model NAME|none]
                             [--provider ollama|openai] [--summary-lang CODE|auto] [--whisper-model NAME|PATH]
                             [--json FILE] [--cache-dir DIR]

Runs a fixed set of screenshots with known facts (an invoice, an error dialog, a chat, a calendar, a terminal,
a shipping mail, a photo; a voice memo and a recording when espeak-ng is installed) through the pipeline with
the model, and scores each answer: facts kept verbatim, identifiers invented, form, seconds and tokens.`;

interface EvalRequest {
  host: string;
  api: LlmApi;
  models: string[];
  vision: string;
  summaryLanguage: string;
  whisperModel: string;
  json?: string;
  dataDir: string;
}

function parseEvalArgs(argv: string[], env: NodeJS.ProcessEnv): EvalRequest {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        'ollama-host': { type: 'string' },
        model: { type: 'string' },
        compare: { type: 'string' },
        'vision-model': { type: 'string' },
        provider: { type: 'string' },
        'summary-lang': { type: 'string' },
        'whisper-model': { type: 'string' },
        json: { type: 'string' },
        'cache-dir': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const provider = values.provider ?? 'ollama';
  if (provider !== 'ollama' && provider !== 'openai') throw new UsageError('--provider takes ollama or openai.');
  const api: LlmApi = provider;
  if (values.model !== undefined && values.compare !== undefined) throw new UsageError('--model and --compare cannot be used together.');
  const models = values.compare !== undefined ? values.compare.split(',').map((model) => model.trim()).filter(Boolean) : [values.model ?? DEFAULT_MODEL];
  if (models.length === 0 || (values.compare !== undefined && models.length !== 2)) throw new UsageError('--compare takes two models: --compare llama3.2:3b,qwen2.5:7b');
  const summaryLanguage = values['summary-lang']?.toLowerCase() ?? 'auto';
  if (!isSummaryLanguage(summaryLanguage)) throw new UsageError(`--summary-lang takes "auto" or a language code such as "de", got "${values['summary-lang']}".`);
  let host: string;
  try {
    host = normalizeHostFor(api, values['ollama-host'] ?? env.OLLAMA_HOST ?? 'http://127.0.0.1:11434');
  } catch (error) {
    throw new UsageError(`--ollama-host ${(error as Error).message}`);
  }
  return {
    host,
    api,
    models,
    vision: values['vision-model'] ?? 'auto',
    summaryLanguage,
    whisperModel: values['whisper-model'] ?? 'base.en',
    ...(values.json !== undefined ? { json: values.json } : {}),
    dataDir: path.resolve(values['cache-dir'] ?? defaultCacheDir()),
  };
}

export async function runEvalCommand(argv: string[], workerScript: string): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  let request: EvalRequest;
  try {
    request = parseEvalArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`media-summarizer: ${error.message}\n\n${EVAL_USAGE}\n`);
    return 2;
  }
  const reports: EvalReport[] = [];
  try {
    for (const model of request.models) {
      process.stderr.write(`Evaluating ${inertTerminalText(model)} at ${inertTerminalText(request.host)}…\n`);
      const report = await runEval({
        host: request.host,
        api: request.api,
        model,
        vision: request.vision,
        summaryLanguage: request.summaryLanguage,
        whisperModel: request.whisperModel,
        dataDir: request.dataDir,
        workerScript,
        requestTimeoutMs: 600_000,
        wording: cliWording,
        onFile: (record) => process.stderr.write(`  ${inertTerminalText(path.basename(record.path))}: ${record.status}\n`),
      });
      reports.push(report);
      process.stdout.write(`${renderReport(report)}\n\n`);
    }
    if (reports.length === 2) process.stdout.write(`${renderComparison(reports[0], reports[1])}\n`);
    if (request.json) {
      await mkdir(path.dirname(path.resolve(request.json)), { recursive: true });
      await writeFile(request.json, `${JSON.stringify(reports.length === 1 ? reports[0] : { compare: reports }, null, 2)}\n`);
      process.stderr.write(`Report written: ${inertTerminalText(request.json)}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`media-summarizer: ${inertTerminalText(cliWording(problemOf(error)))}\n`);
    return 1;
  }
}
