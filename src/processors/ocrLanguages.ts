/**
 * OCR languages: tesseract's codes joined with "+" ("eng+deu"), the default (English, plus the language of the
 * user's locale when its data is here), and where each language's data is found — downloaded into the data
 * folder (`<dataDir>/ocr-data/<lang>.traineddata.gz`), or an `@tesseract.js-data/<lang>` package in node_modules
 * (English ships that way; tests install the others as npm packages). tesseract.js reads every language from one
 * folder, so languages found in different places are linked (else copied) into the data folder's.
 */
import { statSync } from 'node:fs';
import { copyFile, link, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { doFix, problem, ProblemError } from '../core/problems';

export const DEFAULT_OCR_LANGUAGE = 'eng';

/** The LSTM model in integer form: as accurate as "best" within a point, a fraction of its size and time. */
export const OCR_DATA_FLAVOUR = '4.0.0_best_int';

/** tesseract's codes: three letters, with a script or variant after "_" (chi_sim, deu_latf). */
const CODE = /^[a-z]{3}(?:_[a-z]+)?$/;

/** BCP 47 primary languages (VS Code's display language, the system locale) → tesseract codes. */
const FROM_LOCALE: Record<string, string> = {
  ar: 'ara', bg: 'bul', ca: 'cat', cs: 'ces', da: 'dan', de: 'deu', el: 'ell', es: 'spa', et: 'est', fa: 'fas',
  fi: 'fin', fr: 'fra', he: 'heb', hi: 'hin', hr: 'hrv', hu: 'hun', id: 'ind', it: 'ita', ja: 'jpn', ko: 'kor',
  lt: 'lit', lv: 'lav', nb: 'nor', nl: 'nld', no: 'nor', pl: 'pol', pt: 'por', ro: 'ron', ru: 'rus', sk: 'slk',
  sl: 'slv', sr: 'srp', sv: 'swe', th: 'tha', tr: 'tur', uk: 'ukr', vi: 'vie',
};

/** "eng+deu" → ["eng", "deu"] (each once, in order); a code tesseract does not have this shape of is refused. */
export function parseOcrLanguages(spec: string): string[] {
  const codes = [...new Set(spec.split('+').map((code) => code.trim().toLowerCase()).filter(Boolean))];
  const bad = codes.find((code) => !CODE.test(code));
  if (codes.length === 0 || bad !== undefined) {
    throw new ProblemError(problem('ocr-language-invalid', `"${spec}" is not a list of OCR languages`, doFix('give tesseract\'s codes joined with "+", such as eng+deu or eng+chi_sim')));
  }
  return codes;
}

/** The tesseract code for a locale ("de-CH" → deu, "zh-TW" → chi_tra, "zh" → chi_sim); undefined for English and unknown ones. */
export function ocrLanguageForLocale(locale: string): string | undefined {
  const [primary = '', region = ''] = locale.toLowerCase().split(/[-_]/);
  if (primary === 'zh') return /^(tw|hk|mo|hant)$/.test(region) ? 'chi_tra' : 'chi_sim';
  return FROM_LOCALE[primary];
}

export function ocrDataDir(dataDir: string): string {
  return path.join(dataDir, 'ocr-data');
}

const exists = (file: string) => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * Where `lang`'s data is: downloaded into the data folder first, else an npm package; undefined when neither.
 * Synchronous (a stat or two): settings are read with it, and they are read synchronously.
 */
export function findOcrData(lang: string, dataDir: string): string | undefined {
  const downloaded = path.join(ocrDataDir(dataDir), `${lang}.traineddata.gz`);
  if (exists(downloaded)) return downloaded;
  try {
    return require.resolve(`@tesseract.js-data/${lang}/${OCR_DATA_FLAVOUR}/${lang}.traineddata.gz`);
  } catch {
    return undefined;
  }
}

/** English, and the locale's language when its data is here (nothing is downloaded unasked). */
export function defaultOcrLanguages(locale: string, dataDir: string): string {
  const local = ocrLanguageForLocale(locale);
  return local && findOcrData(local, dataDir) ? `${DEFAULT_OCR_LANGUAGE}+${local}` : DEFAULT_OCR_LANGUAGE;
}

export function ocrLanguageMissing(lang: string): ProblemError {
  return new ProblemError(
    problem('ocr-language-missing', `OCR data for "${lang}" is not installed`, doFix(`download it with \`media-summarizer --download-ocr-lang ${lang}\` (in VS Code: Download OCR Language…)`), doFix('choose other OCR languages')),
  );
}

/**
 * The one folder tesseract.js reads `langs` from: their common folder when they are in one, else the data
 * folder's ocr-data, where the others are linked (or copied, across drives) once.
 */
export async function ocrLangPath(langs: readonly string[], dataDir: string): Promise<string> {
  const files = new Map<string, string>();
  for (const lang of langs) {
    const file = findOcrData(lang, dataDir);
    if (!file) throw ocrLanguageMissing(lang);
    files.set(lang, file);
  }
  const dirs = new Set([...files.values()].map((file) => path.dirname(file)));
  if (dirs.size === 1) return [...dirs][0];
  const target = ocrDataDir(dataDir);
  await mkdir(target, { recursive: true });
  for (const [lang, file] of files) {
    const wanted = path.join(target, `${lang}.traineddata.gz`);
    if (path.dirname(file) === target || exists(wanted)) continue;
    const temp = `${wanted}.${process.pid}.tmp`;
    await link(file, temp).catch(() => copyFile(file, temp));
    await rename(temp, wanted);
  }
  return target;
}

/** Refuses, before a run starts, OCR languages that are malformed or not installed (every image would fail alike). */
export function checkOcrLanguages(spec: string | undefined, dataDir: string): void {
  for (const lang of parseOcrLanguages(spec ?? DEFAULT_OCR_LANGUAGE)) if (!findOcrData(lang, dataDir)) throw ocrLanguageMissing(lang);
}
