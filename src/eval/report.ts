/**
 * The evaluation as a reader sees it: a row per file (facts kept, invented identifiers, form, seconds, tokens),
 * totals, and with two models their totals side by side. Answers are model output: shown inert.
 */
import { inertTerminalText } from '../core/inert';
import type { EvalReport, FileResult } from './runEval';

const percent = (share: number | undefined) => (share === undefined ? '—' : `${Math.round(share * 100)}%`);

function formText(file: FileResult): string {
  const form = file.score?.form;
  if (!form) return '';
  const faults = [
    ...(form.sentencesOk ? [] : [`${form.sentences} sentences`]),
    ...(form.filler ? ['filler'] : []),
    ...(form.titleOk ? [] : [`title ${form.titleWords} words`]),
    ...(form.tagsOk ? [] : [`${form.tags} tags`]),
    ...(form.languageOk === false ? ['wrong language'] : []),
  ];
  return faults.length === 0 ? 'ok' : faults.join(', ');
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}

export function renderReport(report: EvalReport): string {
  // One problem for every file (the model is not there, the server is down) is said once, under the table.
  const problems = new Set(report.files.map((file) => file.problem ?? ''));
  const shared = report.files.length > 1 && problems.size === 1 && !problems.has('') ? [...problems][0] : undefined;
  const rows = [['file', 'status', 'facts', 'invented', 'form', 'seconds', 'tokens'], ...report.files.map((file) => [
    file.id,
    file.status,
    file.score ? `${file.score.factsKept}/${file.score.factsTotal}` : '',
    file.score ? inertTerminalText(file.score.invented.join(' ')) || '-' : '',
    formText(file) || (shared ? '' : inertTerminalText(file.problem ?? '')),
    file.seconds.toFixed(1),
    file.answerTokens === undefined ? '' : `${file.promptTokens ?? '?'}+${file.answerTokens}`,
  ])];
  const t = report.totals;
  const lines = [
    `Evaluation set ${report.set}, model ${inertTerminalText(report.model)} (vision ${inertTerminalText(report.visionModel)}) at ${inertTerminalText(report.host)}, summary language ${report.summaryLanguage}`,
    '',
    table(rows),
    '',
    `Facts kept ${percent(t.factShare)} · invented identifiers ${t.invented} · form ok ${t.formOk}/${t.summarized} · not JSON ${t.jsonFailures} · ${t.secondsPerFile.toFixed(1)} s a file${t.answerTokensPerFile === undefined ? '' : ` · ${Math.round(t.answerTokensPerFile)} answer tokens a file`} · model loads ${t.modelLoads}`,
    ...(shared ? [`Every file: ${inertTerminalText(shared)}`] : []),
    ...report.skipped.map((skip) => `Not in this run: ${skip.id} (${skip.reason})`),
    ...report.files.flatMap((file) => (file.score?.missing.length ? [`  ${file.id} dropped: ${inertTerminalText(file.score.missing.join(', '))}`] : [])),
    ...report.files.flatMap((file) => (file.score?.unread.length ? [`  ${file.id} not read (OCR or speech lost it; not counted): ${inertTerminalText(file.score.unread.join(', '))}`] : [])),
  ];
  return lines.join('\n');
}

/** Two models' totals side by side, and each file's facts kept. */
export function renderComparison(a: EvalReport, b: EvalReport): string {
  const name = (report: EvalReport) => inertTerminalText(report.model);
  const totals = (report: EvalReport) => [percent(report.totals.factShare), String(report.totals.invented), `${report.totals.formOk}/${report.totals.summarized}`, String(report.totals.jsonFailures), report.totals.secondsPerFile.toFixed(1), report.totals.answerTokensPerFile === undefined ? '' : String(Math.round(report.totals.answerTokensPerFile)), String(report.totals.modelLoads)];
  const head = ['model', 'facts kept', 'invented', 'form ok', 'not JSON', 's / file', 'tokens / file', 'model loads'];
  const perFile = [['file', name(a), name(b)], ...a.files.map((file) => {
    const other = b.files.find((candidate) => candidate.id === file.id);
    const facts = (result?: FileResult) => (result?.score ? `${result.score.factsKept}/${result.score.factsTotal}${result.score.invented.length ? ` +${result.score.invented.length} invented` : ''}` : (result?.status ?? ''));
    return [file.id, facts(file), facts(other)];
  })];
  return [`Evaluation set ${a.set}: ${name(a)} and ${name(b)} on the same files`, '', table([head, [name(a), ...totals(a)], [name(b), ...totals(b)]]), '', table(perFile)].join('\n');
}
