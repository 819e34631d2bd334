/**
 * The language of summaries, titles and tags: a fixed one (`--summary-lang de`), or "auto" — the language the
 * file speaks (whisper's detection for recordings) or is written in (detected with franc among the run's OCR
 * languages: on short screenshot text an open guess picks Sundanese for English), else the user's display
 * language. English asks nothing of the prompt, so English summaries keep the cache key they always had.
 */
import type { MediaSettings } from '../core/runSettings';
import { DEFAULT_OCR_LANGUAGE, parseOcrLanguages } from './ocrLanguages';

export type SummaryLanguageSettings = Pick<MediaSettings, 'summaryLanguage' | 'fallbackLanguage' | 'ocrLanguages'>;

export interface LanguageMaterial {
  ocrText?: string;
  transcript?: string;
  /** The language whisper detected or was told ("de"). */
  spokenLanguage?: string;
}

/** Below this many letters franc's guess is noise; the display language is used instead. */
const MIN_DETECT_CHARS = 24;

/** tesseract's codes → franc's ISO 639-3 (Chinese is "cmn" there) and → the two-letter codes summaries use. */
const TESSERACT_TO_FRANC: Record<string, string> = { chi_sim: 'cmn', chi_tra: 'cmn' };
const TO_TWO_LETTERS: Record<string, string> = {
  eng: 'en', deu: 'de', fra: 'fr', spa: 'es', ita: 'it', por: 'pt', nld: 'nl', pol: 'pl', rus: 'ru', ukr: 'uk', tur: 'tr',
  jpn: 'ja', cmn: 'zh', kor: 'ko', ara: 'ar', heb: 'he', hin: 'hi', ces: 'cs', dan: 'da', fin: 'fi', ell: 'el', hun: 'hu',
  nor: 'no', swe: 'sv', ron: 'ro', bul: 'bg', hrv: 'hr', slk: 'sk', slv: 'sl', srp: 'sr', tha: 'th', vie: 'vi', ind: 'id',
  cat: 'ca', est: 'et', lav: 'lv', lit: 'lt', fas: 'fa',
};

const TO_THREE_LETTERS = Object.fromEntries(Object.entries(TO_TWO_LETTERS).map(([three, two]) => [two, three]));

/** "auto", or a language tag such as "de" or "pt-BR" (lowercased primary, as the setting and the flag accept). */
export function isSummaryLanguage(value: string): boolean {
  return value === 'auto' || /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/i.test(value);
}

/** The primary language of a locale or tag: "de-CH" → "de"; English when there is none. */
export function primaryLanguage(locale: string | undefined): string {
  const primary = locale?.toLowerCase().split(/[-_.]/)[0] ?? '';
  return /^[a-z]{2,3}$/.test(primary) ? primary : 'en';
}

/** The language a file's summary is written in, as a tag ("en", "de", "pt-br"). */
export function summaryLanguageFor(settings: SummaryLanguageSettings, material: LanguageMaterial): string {
  const setting = settings.summaryLanguage ?? 'auto';
  if (setting !== 'auto') return setting.toLowerCase();
  const fallback = primaryLanguage(settings.fallbackLanguage);
  if (material.spokenLanguage && material.transcript?.trim()) return primaryLanguage(material.spokenLanguage);
  const text = material.ocrText?.trim() ?? '';
  if (!text) return fallback;
  // The languages the text can be in: those OCR read it in, and the user's own.
  const candidates = [...new Set([...parseOcrLanguages(settings.ocrLanguages ?? DEFAULT_OCR_LANGUAGE).map((code) => TESSERACT_TO_FRANC[code] ?? code), TO_THREE_LETTERS[fallback] ?? 'eng'])];
  if (candidates.length === 1) return TO_TWO_LETTERS[candidates[0]] ?? fallback;
  if (text.replace(/[^\p{L}]/gu, '').length < MIN_DETECT_CHARS) return fallback;
  // Required here, not imported: franc and its trigram tables load on the first guess (dist/franc.js, esbuild.mjs).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { franc } = require('franc-min') as typeof import('franc-min');
  const guess = franc(text, { only: candidates, minLength: MIN_DETECT_CHARS });
  return guess === 'und' ? fallback : (TO_TWO_LETTERS[guess] ?? fallback);
}

/** The prompt's instruction for `language`; none for English (the prompt is written in it). */
export function languageInstruction(language: string): string | undefined {
  if (primaryLanguage(language) === 'en') return undefined;
  let name: string | undefined;
  try {
    name = new Intl.DisplayNames(['en'], { type: 'language' }).of(language);
  } catch {
    name = undefined;
  }
  return `Write the summary, the title and the tags in ${name && name !== language ? name : `the language "${language}"`}, whatever language the material is in.`;
}

/** Among several languages franc needs more text than between two: below this it calls English French. */
const MIN_WRITTEN_CHARS = 60;

/** The language `text` is written in among `candidates` (two-letter codes); undefined when too short to tell. */
export function writtenLanguage(text: string, candidates: readonly string[]): string | undefined {
  const only = [...new Set(candidates.map((code) => TO_THREE_LETTERS[primaryLanguage(code)]).filter(Boolean))];
  if (only.length === 0 || text.replace(/[^\p{L}]/gu, '').length < MIN_WRITTEN_CHARS) return undefined;
  if (only.length === 1) return TO_TWO_LETTERS[only[0]];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { franc } = require('franc-min') as typeof import('franc-min');
  const guess = franc(text, { only, minLength: MIN_DETECT_CHARS });
  return guess === 'und' ? undefined : TO_TWO_LETTERS[guess];
}
