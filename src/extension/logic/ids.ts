/**
 * Identifiers shared by package.json's contributions, the vscode layer and the tests. No `vscode` import here:
 * the manifest test checks package.json against these values without VS Code.
 */

export const VIEW_CONTAINER_ID = 'mediaSummarizer';
export const VIEW_ID = 'mediaSummarizer.summaries';
/** Read-only documents that show a file's OCR text, transcript and summary. */
export const FULL_TEXT_SCHEME = 'media-summary';
export const OUTPUT_CHANNEL_NAME = 'Media Summarizer';
export const CONFIG_SECTION = 'mediaSummarizer';
/** publisher.name in package.json: what other extensions and settings searches (@ext:) call this one. */
export const EXTENSION_ID = 'media-summarizer.media-summarizer';

/** Context keys the extension sets with `setContext` (used in when clauses of package.json). */
export const CONTEXT_KEYS = {
  running: 'mediaSummarizer.running',
  filtered: 'mediaSummarizer.filtered',
  /** The filter matches nothing: the view shows its "No matches" welcome. */
  noMatches: 'mediaSummarizer.noMatches',
} as const;

/** Context keys the setup checklist sets: the walkthrough's steps complete on them. */
export const SETUP_CONTEXT_KEYS = {
  llmReady: 'mediaSummarizer.setup.llmReady',
  modelReady: 'mediaSummarizer.setup.modelReady',
  mediaReady: 'mediaSummarizer.setup.mediaReady',
} as const;

/** globalState keys. */
export const STATE_KEYS = {
  roots: 'mediaSummarizer.roots.v1',
  /** Ollama hosts (normalized URLs) the user agreed to send media content to. */
  approvedRemoteHosts: 'mediaSummarizer.approvedRemoteHosts.v1',
} as const;

/** The `contextValue` of a summarized folder in the tree. */
export const FOLDER_CONTEXT = 'folder';

/** What a file's tree item can be doing; its contextValue is `file.<state>`. */
export const ENTRY_STATES = ['new', 'queued', 'running', 'done', 'cached', 'failed', 'pending'] as const;
export type EntryState = (typeof ENTRY_STATES)[number];

export function fileContextValue(state: EntryState): string {
  return `file.${state}`;
}

/** Every contextValue the tree sets: when clauses with `viewItem` may only name these. */
export const ALL_CONTEXT_VALUES: readonly string[] = [FOLDER_CONTEXT, ...ENTRY_STATES.map(fileContextValue)];
