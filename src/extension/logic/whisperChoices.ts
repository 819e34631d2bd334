/**
 * The Download Whisper Model picker's entries: a few recommended models first, each with its download size and
 * what it is good for in plain words, then every other model whisper.cpp publishes. No `vscode` import.
 */
import { WHISPER_MODEL_NAMES, type WhisperModelName } from '../../processors/whisper/models';

export interface WhisperChoice {
  name: WhisperModelName;
  /** Size and languages, e.g. "142 MB · English". */
  description: string;
  /** What it is good for (recommended ones only). */
  detail?: string;
  recommended: boolean;
}

/** In the order offered: a good start, other languages, the fastest, the best a fast machine runs. */
const RECOMMENDED: ReadonlyArray<{ name: WhisperModelName; detail: string }> = [
  { name: 'base.en', detail: 'A good start: quick on a laptop, good English transcripts' },
  { name: 'small', detail: 'Speech in other languages, or better English; about 3 times slower than base' },
  { name: 'tiny.en', detail: 'The fastest and smallest; rough transcripts' },
  { name: 'large-v3-turbo-q5_0', detail: 'Close to the best transcripts; slow without a fast CPU or GPU' },
];

/** Download sizes of whisper.cpp's ggml files (Hugging Face ggerganov/whisper.cpp), rounded. */
const SIZES_MB: Record<WhisperModelName, number> = {
  tiny: 75,
  'tiny.en': 75,
  'tiny-q5_1': 31,
  'tiny.en-q5_1': 31,
  'tiny-q8_0': 42,
  base: 142,
  'base.en': 142,
  'base-q5_1': 57,
  'base.en-q5_1': 57,
  'base-q8_0': 78,
  small: 466,
  'small.en': 466,
  'small.en-tdrz': 465,
  'small-q5_1': 181,
  'small.en-q5_1': 181,
  'small-q8_0': 252,
  medium: 1500,
  'medium.en': 1500,
  'medium-q5_0': 514,
  'medium.en-q5_0': 514,
  'medium-q8_0': 785,
  'large-v1': 2900,
  'large-v2': 2900,
  'large-v2-q5_0': 1080,
  'large-v2-q8_0': 1660,
  'large-v3': 2900,
  'large-v3-q5_0': 1080,
  'large-v3-turbo': 1620,
  'large-v3-turbo-q5_0': 574,
  'large-v3-turbo-q8_0': 874,
};

function sizeText(mb: number): string {
  return mb >= 1000 ? `${(mb / 1000).toFixed(1)} GB` : `${mb} MB`;
}

function describe(name: WhisperModelName): string {
  const parts = [sizeText(SIZES_MB[name]), /\.en\b/.test(name) ? 'English' : 'any language'];
  if (/-q\d/.test(name)) parts.push('compressed');
  if (name.endsWith('-tdrz')) parts.push('marks speaker turns');
  return parts.join(' · ');
}

/** The recommended models first, then the rest in whisper.cpp's order; `configured` is marked in its place. */
export function whisperChoices(configured: string): WhisperChoice[] {
  const mark = (name: WhisperModelName, text: string) => (name === configured ? `${text} · configured` : text);
  const recommended = RECOMMENDED.map(({ name, detail }) => ({ name, description: mark(name, describe(name)), detail, recommended: true }));
  const rest = WHISPER_MODEL_NAMES.filter((name) => !RECOMMENDED.some((r) => r.name === name)).map((name) => ({ name, description: mark(name, describe(name)), recommended: false }));
  return [...recommended, ...rest];
}
