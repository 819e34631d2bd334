/**
 * "Show Full Text": a read-only plain-text document (scheme media-summary:) with a file's summary, OCR text,
 * image description and transcript. Content providers' documents cannot be edited or saved, and plain text is
 * never rendered, so untrusted text is safe here.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { FileRecord } from '../core/records';
import { FULL_TEXT_SCHEME } from './logic/ids';
import { renderFullText } from './logic/tooltip';

export class FullTextProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private readonly open = new Set<string>();

  constructor(private readonly records: { recordFor(file: string): Promise<FileRecord | undefined> }) {}

  /** media-summary:/<name>.txt?<absolute path of the media file> */
  static uriFor(file: string): vscode.Uri {
    return vscode.Uri.from({ scheme: FULL_TEXT_SCHEME, path: `/${path.basename(file)}.txt`, query: file });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const file = uri.query;
    if (!path.isAbsolute(file)) return 'This document shows the text of a summarized media file; open it from the Media Summaries view.\n';
    this.open.add(file);
    return renderFullText(file, await this.records.recordFor(file));
  }

  /** A file was summarized again: open documents show the new text. */
  recordChanged(record: FileRecord): void {
    if (this.open.has(record.path)) this.emitter.fire(FullTextProvider.uriFor(record.path));
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
