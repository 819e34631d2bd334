/**
 * Download OCR Language…: pick a language (the common ones listed with their sizes, or any tesseract code), then
 * its data is downloaded into the extension's storage with progress and Cancel, and offered for the OCR
 * languages setting. Installed ones are marked.
 */
import * as vscode from 'vscode';
import { problemOf } from '../core/problems';
import { downloadOcrLanguage } from '../processors/ocrDownload';
import { DEFAULT_OCR_LANGUAGE, findOcrData, ocrLanguageForLocale, parseOcrLanguages } from '../processors/ocrLanguages';
import type { ModelCommandContext } from './ollamaCommands';
import { CONFIG_SECTION } from './logic/ids';
import { inertNotificationText } from './logic/inertText';
import { DownloadProgress } from './logic/transferProgress';
import { extensionWording } from './logic/wording';

/** The languages most asked for (each 1–3 MB to download). */
const COMMON: ReadonlyArray<{ code: string; name: string }> = [
  { code: 'deu', name: 'German' },
  { code: 'fra', name: 'French' },
  { code: 'spa', name: 'Spanish' },
  { code: 'ita', name: 'Italian' },
  { code: 'por', name: 'Portuguese' },
  { code: 'nld', name: 'Dutch' },
  { code: 'pol', name: 'Polish' },
  { code: 'rus', name: 'Russian' },
  { code: 'ukr', name: 'Ukrainian' },
  { code: 'tur', name: 'Turkish' },
  { code: 'jpn', name: 'Japanese' },
  { code: 'chi_sim', name: 'Chinese (Simplified)' },
  { code: 'chi_tra', name: 'Chinese (Traditional)' },
  { code: 'kor', name: 'Korean' },
  { code: 'ara', name: 'Arabic' },
  { code: 'heb', name: 'Hebrew' },
  { code: 'hin', name: 'Hindi' },
];

type LanguageItem = vscode.QuickPickItem & { code?: string };

async function pickLanguage(dataDir: string, displayLanguage: string): Promise<string | undefined> {
  const local = ocrLanguageForLocale(displayLanguage);
  const ordered = [...COMMON].sort((a, b) => Number(b.code === local) - Number(a.code === local));
  const items: LanguageItem[] = [
    ...ordered.map((language) => ({
      label: language.name,
      description: `${language.code}${findOcrData(language.code, dataDir) ? ' · installed' : ''}${language.code === local ? ' · your display language' : ''}`,
      code: language.code,
    })),
    { label: 'Another Language…', description: 'any of tesseract\'s codes, such as vie or tha' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Download OCR Language', placeHolder: 'The language of the text in your screenshots and photos (English is built in)', matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.code) return picked.code;
  return vscode.window.showInputBox({
    title: 'Download OCR Language',
    prompt: 'A tesseract language code (three letters, with a script after "_" for some: chi_tra, uzb_cyrl)',
    validateInput: (value) => {
      try {
        return parseOcrLanguages(value).length === 1 ? undefined : 'One language at a time';
      } catch {
        return 'Three letters, such as vie, or with a script after "_", such as chi_tra';
      }
    },
  });
}

export async function downloadOcrLanguageCommand(ctx: ModelCommandContext, code?: string): Promise<void> {
  const { settings, paths } = ctx.config.read();
  const chosen = code ?? (await pickLanguage(paths.dataDir, settings.displayLanguage));
  if (!chosen) return;
  const [lang] = parseOcrLanguages(chosen);
  try {
    const file = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Downloading OCR language ${lang}`, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      const tracker = new DownloadProgress();
      try {
        return await downloadOcrLanguage(lang, paths.dataDir, { baseUrl: settings.ocrDownloadBaseUrl, signal: abort.signal, onProgress: ({ bytes, total }) => progress.report(tracker.update(bytes, total)) });
      } finally {
        cancel.dispose();
      }
    });
    ctx.log.info(`OCR language ${lang} is ready: ${file}`);
  } catch (error) {
    if ((error as Error).name === 'AbortError') return void vscode.window.showInformationMessage(`Downloading OCR language ${lang} was cancelled.`);
    const message = extensionWording(problemOf(error));
    ctx.log.error(message);
    return void vscode.window.showErrorMessage(inertNotificationText(message));
  }
  const current = parseOcrLanguages(settings.ocrLanguages ?? DEFAULT_OCR_LANGUAGE);
  if (current.includes(lang)) return void vscode.window.showInformationMessage(`Media Summarizer: OCR language ${lang} is ready.`);
  const use = 'Read Text in It';
  const choice = await vscode.window.showInformationMessage(`Media Summarizer: OCR language ${lang} is ready. Read screenshots and photos in ${[...current, lang].join(' + ')}?`, use);
  if (choice === use) await vscode.workspace.getConfiguration(CONFIG_SECTION).update('ocr.languages', [...current, lang].join('+'), vscode.ConfigurationTarget.Global);
}
