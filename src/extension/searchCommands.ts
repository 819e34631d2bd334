/**
 * "Search Media…" and "Find Similar": a QuickPick over the search index of everything the view lists, results as
 * you type (by words at once, by meaning when an embedding model is there), opening a file where its match is.
 */
import * as vscode from 'vscode';
import path from 'node:path';
import { inertQuickPickText } from './logic/inertText';
import { openCacheForUse } from '../core/openCache';
import { findEmbeddingModel } from '../core/search/embeddings';
import type { SearchHit, SearchIndex } from '../core/search/searchIndex';
import { formatTimestamp } from '../processors/media/frameText';
import type { ExtensionConfig } from './config';
import { FullTextProvider } from './contentProvider';
import { mayContact } from './hostConsent';
import type { ViewNode } from './logic/grouping';
import type { FileEntry, SummaryModel } from './logic/model';
import type { ModelSearch } from './logic/modelSearch';

export interface SearchContext {
  context: vscode.ExtensionContext;
  config: ExtensionConfig;
  model: SummaryModel;
  search: ModelSearch;
  view: vscode.TreeView<ViewNode>;
}

interface HitItem extends vscode.QuickPickItem {
  hit: SearchHit;
}

const FIELD_LABELS = { title: 'Title', name: 'Name', tags: 'Tags', summary: 'Summary', ocr: 'Text on screen', transcript: 'Transcript', vision: 'Description' } as const;
const KIND_ICONS = { image: 'file-media', video: 'device-camera-video', audio: 'mic' } as const;
const REVEAL_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('list-tree'), tooltip: 'Reveal in Media Summaries' };
/** Typing pauses this long before a search by meaning (one embedding request per query). */
const TYPING_PAUSE_MS = 200;
const RESULTS = 50;

/**
 * The index of the view as it is now, with search by meaning when Ollama has an embedding model and the host may
 * be sent file text (on this machine, or agreed to before a run). `close` releases the cache.
 */
async function openIndex(ctx: SearchContext): Promise<{ index: SearchIndex; close: () => Promise<void> }> {
  const { settings, paths } = ctx.config.read();
  const mayEmbed = settings.llmApi === 'ollama' && settings.embedModel !== 'none' && mayContact(ctx.context, settings.ollamaHost);
  if (!mayEmbed) return { index: ctx.search.current(), close: () => Promise.resolve() };
  const opened = await openCacheForUse(paths.cacheDir, {}).catch(() => undefined);
  const { model } = await findEmbeddingModel(settings.ollamaHost, settings.embedModel);
  const index = ctx.search.current(model ? { model, cache: opened?.cache } : undefined);
  return { index, close: async () => opened?.cache.close() };
}

/** The API's search: the same index and ranking as Search Media…, over the files the view lists. */
export async function searchFiles(ctx: SearchContext, query: string, limit = RESULTS): Promise<SearchHit[]> {
  const { index, close } = await openIndex(ctx);
  try {
    return await index.search(query, { limit });
  } finally {
    await close();
  }
}

export async function searchMedia(ctx: SearchContext): Promise<void> {
  // Shown at once, searching by words; meaning joins when the embedding model is found (a slow Ollama host must
  // not hold the search box for the 10 s its check may take). The index is the view's: one object either way.
  const index = ctx.search.current();
  const opening = openIndex(ctx);
  const pick = vscode.window.createQuickPick<HitItem>();
  pick.title = 'Search Media';
  pick.placeholder = index.size > 0 ? 'Words from any screenshot, recording or memo — or what it is about' : 'Nothing is summarized yet: run Summarize Desktop Media first';
  // Our own ranking decides what is shown; VS Code only highlights the typed words in it.
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let timer: NodeJS.Timeout | undefined;
  let latest = 0;
  pick.onDidChangeValue((value) => {
    const asked = ++latest;
    clearTimeout(timer);
    timer = setTimeout(() => {
      pick.busy = true;
      void index
        .search(value, { limit: RESULTS })
        .then((hits) => {
          if (asked === latest) pick.items = hits.map(itemOf);
        })
        .finally(() => {
          if (asked === latest) pick.busy = false;
        });
    }, TYPING_PAUSE_MS);
  });
  await showPick(ctx, pick, () => opening.then(({ close }) => close()));
}

export async function findSimilar(ctx: SearchContext, file: string): Promise<void> {
  const pick = vscode.window.createQuickPick<HitItem>();
  pick.title = `Files like ${inertQuickPickText(path.basename(file))}`;
  pick.busy = true;
  const opening = openIndex(ctx);
  void opening
    .then(({ index }) => index.similar(file, { limit: RESULTS }))
    .then((hits) => {
      pick.items = hits.map(itemOf);
      pick.placeholder = hits.length > 0 ? 'Pick a file to open it' : 'No similar files';
      pick.busy = false;
    });
  await showPick(ctx, pick, () => opening.then(({ close }) => close()));
}

function showPick(ctx: SearchContext, pick: vscode.QuickPick<HitItem>, close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0] as HitItem | undefined;
      pick.hide();
      if (item) void openHit(item.hit);
    });
    pick.onDidTriggerItemButton((event) => {
      pick.hide();
      void revealInView(ctx, event.item.hit.path);
    });
    pick.onDidHide(() => {
      pick.dispose();
      void close().finally(resolve);
    });
    pick.show();
  });
}

function itemOf(hit: SearchHit): HitItem {
  const name = path.basename(hit.path);
  const { snippet } = hit;
  const where = snippet ? `${FIELD_LABELS[snippet.field]}${snippet.atSeconds !== undefined ? ` at ${formatTimestamp(snippet.atSeconds)}` : ''}` : '';
  return {
    hit,
    label: `$(${KIND_ICONS[hit.kind]}) ${inertQuickPickText(hit.title ?? name)}`,
    description: inertQuickPickText(hit.title ? name : path.dirname(hit.path)) + (hit.matchedBy.includes('words') ? '' : ' · by meaning'),
    detail: snippet ? `${where}: ${inertQuickPickText(snippet.text)}` : undefined,
    alwaysShow: true,
    buttons: [REVEAL_BUTTON],
  };
}

/**
 * An image opens in VS Code's preview; a recording matched in its transcript opens its full text at the match
 * (VS Code's media preview cannot seek), other matches open the file itself.
 */
async function openHit(hit: SearchHit): Promise<void> {
  if (hit.kind === 'image' || hit.snippet?.field !== 'transcript') {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(hit.path));
    return;
  }
  const document = await vscode.workspace.openTextDocument(FullTextProvider.uriFor(hit.path));
  const text = document.getText();
  const [start, end] = hit.snippet.highlight ?? [0, 0];
  const word = hit.snippet.text.slice(start, end).toLowerCase();
  const at = word ? text.toLowerCase().indexOf(word, text.indexOf('Transcript')) : -1;
  const range = at >= 0 ? new vscode.Range(document.positionAt(at), document.positionAt(at + word.length)) : undefined;
  await vscode.window.showTextDocument(document, { preview: true, selection: range });
}

async function revealInView(ctx: SearchContext, file: string): Promise<void> {
  const entry = ctx.model.roots.flatMap((root) => [...root.entries.values()]).find((candidate: FileEntry) => candidate.path === file);
  if (entry) await ctx.view.reveal(entry, { select: true, focus: true });
}
