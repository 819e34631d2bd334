/**
 * Summaries exported for people and for other tools: Markdown (a document to read or paste), CSV (a spreadsheet)
 * and JSON (a program). The content is untrusted: in Markdown it is escaped text (no link, image or HTML can
 * form), in CSV a cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) starts with a quote.
 */
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { inertTerminalText } from './inert';
import { escapeInline, escapeLines } from './markdownText';
import { describeMetadata, type FileRecord } from './records';

export const EXPORT_FORMATS = ['md', 'csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One row per file, the same columns in every format. */
interface ExportRow {
  file: string;
  kind: string;
  status: string;
  title: string;
  summary: string;
  tags: string;
  metadata: string;
  error: string;
  duplicateOf: string;
  sha256: string;
}

/** The records as `format`; file paths relative to `folder` when they are inside it. */
export function exportRecords(records: readonly FileRecord[], format: ExportFormat, folder?: string): string {
  const rows = [...records].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((record) => rowOf(record, folder));
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv') return stringify(rows.map(spreadsheetSafe), { header: true, columns: COLUMNS, record_delimiter: 'windows' });
  return markdown(rows, folder);
}

const COLUMNS: Array<keyof ExportRow> = ['file', 'kind', 'status', 'title', 'summary', 'tags', 'metadata', 'error', 'duplicateOf', 'sha256'];

function rowOf(record: FileRecord, folder: string | undefined): ExportRow {
  const shown = (file: string) => {
    const relative = folder ? path.relative(folder, file) : file;
    return inertTerminalText(relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file);
  };
  return {
    file: shown(record.path),
    kind: record.kind,
    status: record.status,
    title: record.title ?? '',
    summary: record.summary ?? '',
    tags: (record.tags ?? []).join(', '),
    metadata: describeMetadata(record.metadata),
    error: record.status === 'ok' ? '' : (record.error ?? ''),
    duplicateOf: record.duplicateOf ? shown(record.duplicateOf) : '',
    sha256: record.sha256 ?? '',
  };
}

/** OWASP's rule for CSV injection: a leading quote keeps a spreadsheet from evaluating the cell. */
function spreadsheetSafe(row: ExportRow): ExportRow {
  const safe = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
  const cells = { ...row };
  for (const column of COLUMNS) cells[column] = safe(row[column]);
  return cells;
}

function markdown(rows: readonly ExportRow[], folder: string | undefined): string {
  const out = [`# Media summaries${folder ? ` — ${escapeInline(folder)}` : ''}`, '', `${rows.length} ${rows.length === 1 ? 'file' : 'files'}.`];
  for (const row of rows) {
    out.push('', `## ${escapeInline(row.title || row.file)}`, '', `**File:** ${escapeInline(row.file)} · ${row.kind} · ${statusText(row.status)}`);
    if (row.summary) out.push('', escapeLines(row.summary));
    if (row.tags) out.push('', `**Tags:** ${escapeInline(row.tags)}`);
    if (row.metadata) out.push('', `**Metadata:** ${escapeInline(row.metadata)}`);
    if (row.error) out.push('', `**${row.status === 'pending' ? 'Pending' : 'Error'}:** ${escapeInline(row.error)}`);
    if (row.duplicateOf) out.push('', `**Same content as:** ${escapeInline(row.duplicateOf)}`);
  }
  return `${out.join('\n')}\n`;
}

function statusText(status: string): string {
  return status === 'ok' ? 'summarized' : status === 'pending' ? 'summary pending' : 'failed';
}
