/**
 * Model commands: choose the summary model from Ollama's installed models (/api/tags), pull a model with
 * progress, download a whisper model with progress.
 */
import * as vscode from 'vscode';
import { describeLlmError } from '../core/llmErrors';
import { withOllama } from '../core/ollama';
import { sameModel } from '../core/modelNames';
import { downloadWhisperModel } from '../processors/whisper/models';
import type { ExtensionConfig } from './config';
import { openSettings } from './notifications';
import { problemOf } from '../core/problems';
import { extensionWording } from './logic/wording';
import { CONFIG_SECTION } from './logic/ids';
import { pullModel } from './logic/ollamaPull';
import { inertNotificationText } from './logic/inertText';
import { DownloadProgress } from './logic/transferProgress';
import { whisperChoices, type WhisperChoice } from './logic/whisperChoices';
import { formatBytes } from './logic/tooltip';

const LIST_TIMEOUT_MS = 10_000;

/** What the model commands read and write: the settings and the log. */
export interface ModelCommandContext {
  config: ExtensionConfig;
  log: vscode.LogOutputChannel;
}

export async function selectOllamaModel(ctx: ModelCommandContext): Promise<void> {
  const { settings } = ctx.config.read();
  const host = settings.ollamaHost;
  let models;
  try {
    models = (await withOllama(host, LIST_TIMEOUT_MS, undefined, (client) => client.list())).models;
  } catch (error) {
    const choice = await vscode.window.showErrorMessage(
      inertNotificationText(extensionWording(describeLlmError(error, host, settings.model))),
      'Retry',
      'Open Settings',
    );
    if (choice === 'Retry') return selectOllamaModel(ctx);
    if (choice === 'Open Settings') openSettings('ollama.host');
    return;
  }
  type Item = vscode.QuickPickItem & { model?: string; pull?: boolean };
  const items: Item[] = [...models]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => {
      // Older servers leave the details out, whatever the client's types say.
      const details = m.details as Partial<typeof m.details> | undefined;
      return {
        label: m.name,
        model: m.name,
        description: [sameModel(m.name, settings.model) ? 'current' : undefined, details?.parameter_size, details?.quantization_level].filter(Boolean).join(' · '),
        detail: [details?.family, typeof m.size === 'number' ? formatBytes(m.size) : undefined].filter(Boolean).join(' · '),
      };
    });
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: 'Pull a Model…', description: 'download one into Ollama', pull: true, alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Select Ollama Model',
    placeHolder: models.length ? `The model that writes summaries (now ${settings.model})` : `No models installed in Ollama at ${host}: pull one`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.pull) {
    await pullOllamaModel(ctx);
    return;
  }
  if (!picked.model || sameModel(picked.model, settings.model)) return;
  await vscode.workspace.getConfiguration(CONFIG_SECTION).update('model', picked.model, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(inertNotificationText(`Media Summarizer: summaries are now written by ${picked.model}.`));
}

/** Pulls a model into Ollama with a cancellable progress notification; resolves true when it is installed. */
export async function pullOllamaModel(ctx: ModelCommandContext, name?: string): Promise<boolean> {
  const { settings } = ctx.config.read();
  const model =
    name ??
    (
      await vscode.window.showInputBox({
        title: 'Pull Ollama Model',
        prompt: 'A model name from ollama.com/library, e.g. llama3.2:3b, or a vision model such as llava:7b',
        value: settings.model,
        validateInput: (value) => (/^[\w.\-:/]+$/.test(value.trim()) ? undefined : 'Enter a model name such as llama3.2:3b'),
      })
    )?.trim();
  if (!model) return false;
  const host = settings.ollamaHost;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: inertNotificationText(`Pulling ${model}`), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        try {
          await pullModel(host, model, ({ message, increment }) => progress.report({ message, increment }), abort.signal);
        } finally {
          cancel.dispose();
        }
      },
    );
  } catch (error) {
    const err = error as Error;
    if (err.name === 'AbortError') {
      void vscode.window.showInformationMessage(inertNotificationText(`Pulling ${model} was cancelled.`));
      return false;
    }
    const message = (err as { status_code?: number }).status_code ? `Ollama could not pull ${model}: ${err.message}` : extensionWording(describeLlmError(err, host, model));
    ctx.log.error(message);
    void vscode.window.showErrorMessage(inertNotificationText(message));
    return false;
  }
  ctx.log.info(`Pulled ${model} into Ollama at ${host}.`);
  if (sameModel(model, settings.model)) {
    void vscode.window.showInformationMessage(inertNotificationText(`Media Summarizer: ${model} is ready.`));
  } else {
    const use = 'Use for Summaries';
    void vscode.window.showInformationMessage(inertNotificationText(`Media Summarizer: ${model} is ready.`), use).then(async (choice) => {
      if (choice === use) await vscode.workspace.getConfiguration(CONFIG_SECTION).update('model', model, vscode.ConfigurationTarget.Global);
    });
  }
  return true;
}

/** The recommended models with what they are good for, then every other one; each with its download size. */
async function pickWhisperModel(configured: string): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { name?: string };
  const choices = whisperChoices(configured);
  const item = (choice: WhisperChoice): Item => ({ label: choice.name, description: choice.description, detail: choice.detail, name: choice.name });
  const items: Item[] = [
    { label: 'Recommended', kind: vscode.QuickPickItemKind.Separator },
    ...choices.filter((choice) => choice.recommended).map(item),
    { label: 'All models', kind: vscode.QuickPickItemKind.Separator },
    ...choices.filter((choice) => !choice.recommended).map(item),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Download Whisper Model',
    placeHolder: 'The speech model for transcripts: larger ones are better and slower',
    matchOnDescription: true,
  });
  return picked?.name;
}

/** Downloads a ggml whisper model into the extension's storage (<global storage>/models) with progress. */
export async function downloadWhisper(ctx: ModelCommandContext, name?: string): Promise<void> {
  const { settings, paths } = ctx.config.read();
  const chosen = name ?? (await pickWhisperModel(settings.whisperModel));
  if (!chosen) return;
  let file: string;
  try {
    file = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading whisper model ${chosen}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        const tracker = new DownloadProgress();
        try {
          return await downloadWhisperModel(chosen, paths.modelsDir, ({ bytes, total }) => progress.report(tracker.update(bytes, total)), abort.signal, {
            baseUrl: settings.whisperDownloadBaseUrl,
          });
        } finally {
          cancel.dispose();
        }
      },
    );
  } catch (error) {
    if ((error as Error).name === 'AbortError') {
      void vscode.window.showInformationMessage(`Downloading whisper model ${chosen} was cancelled.`);
      return;
    }
    const message = extensionWording(problemOf(error));
    ctx.log.error(message);
    void vscode.window.showErrorMessage(inertNotificationText(message));
    return;
  }
  ctx.log.info(`Whisper model ${chosen} is ready: ${file}`);
  if (chosen === settings.whisperModel) {
    void vscode.window.showInformationMessage(`Media Summarizer: whisper model ${chosen} is ready.`);
  } else {
    const use = 'Use for Transcripts';
    void vscode.window.showInformationMessage(`Media Summarizer: whisper model ${chosen} is ready.`, use).then(async (choice) => {
      if (choice === use) await vscode.workspace.getConfiguration(CONFIG_SECTION).update('whisper.model', chosen, vscode.ConfigurationTarget.Global);
    });
  }
}
