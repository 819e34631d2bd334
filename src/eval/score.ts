/**
 * Scoring one answer (a summary, title and tags) against what its file holds. Pure functions, tested on written
 * answers (test/unit/evalScore.test.ts):
 * - facts kept: the share of the file's facts that appear verbatim (case and spacing aside) in the summary or title,
 *   of those the model was given (a fact OCR or whisper did not read is "unread", the reading's loss, not the model's);
 * - invented: identifiers — tokens with a digit, such as ticket ids, codes, amounts, dates — in the answer that are
 *   nowhere in the material the model was given (the text read, the speech heard, the name and metadata);
 * - form: 2–3 sentences, no filler opening, a title of at most 8 words, 3–6 tags, the requested language.
 */
import { primaryLanguage } from '../processors/summaryLanguage';

export interface Answer {
  summary: string;
  title: string;
  tags: readonly string[];
}

export interface FormScore {
  sentences: number;
  sentencesOk: boolean;
  filler: boolean;
  titleWords: number;
  titleOk: boolean;
  tags: number;
  tagsOk: boolean;
  /** Undefined when the language could not be told (too little text). */
  languageOk?: boolean;
}

export interface AnswerScore {
  factsKept: number;
  /** The file's facts that were in the material (read by OCR, heard by whisper). */
  factsTotal: number;
  /** facts kept / facts in the material; 1 when there were none. */
  factShare: number;
  /** Facts in the material but not in the answer. */
  missing: string[];
  /** Facts the reading lost before the model saw them. */
  unread: string[];
  invented: string[];
  form: FormScore;
}

const fold = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ');
/** For finding an identifier in the material: without separators, so "1,284.50" is found as "1284.50" too. */
const bare = (text: string) => fold(text).replace(/[\s,'’]/g, '');

/** Tokens with a digit, two characters or more: "INV-2025-0117", "0x80070005", "$1,284.50", "B204", "14:00". */
export function identifiersIn(text: string): string[] {
  const tokens = text.match(/[\p{L}\p{N}$€£#][\p{L}\p{N}$€£#.,:/_-]*\p{N}[\p{L}\p{N}%.,:/_-]*/gu) ?? [];
  return [...new Set(tokens.map((token) => token.replace(/[.,:;]+$/, '')).filter((token) => /\p{N}/u.test(token) && token.length >= 2))];
}

/** Openings that say what kind of file it is instead of what it says. */
const FILLER = /^(?:(?:this|the)\s+(?:image|screenshot|picture|photo(?:graph)?|file|document|recording|video|audio|voice memo|screen recording)\b|here\s+is\b|here's\b|sure\b|certainly\b|in this\b|the provided\b)/i;

function sentencesOf(text: string): number {
  return text.split(/(?<=[.!?])\s+(?=\S)/u).filter((sentence) => /\p{L}/u.test(sentence)).length;
}

/**
 * `detectLanguage(text)` gives a two-letter code or undefined; `expected` is the language asked for ("en" when
 * the summary should follow English material).
 */
export function scoreAnswer(answer: Answer, facts: readonly string[], material: string, expected: string, detectLanguage: (text: string) => string | undefined): AnswerScore {
  const said = fold(`${answer.title}\n${answer.summary}`);
  const given = fold(material);
  const unread = facts.filter((fact) => !given.includes(fold(fact)));
  const read = facts.filter((fact) => given.includes(fold(fact)));
  const missing = read.filter((fact) => !said.includes(fold(fact)));
  const known = bare(material);
  const invented = identifiersIn(`${answer.title}\n${answer.summary}`).filter((token) => !known.includes(bare(token).replace(/^[$€£#]/, '')));
  const sentences = sentencesOf(answer.summary);
  const titleWords = answer.title.split(/\s+/).filter(Boolean).length;
  const detected = detectLanguage(answer.summary);
  return {
    factsKept: read.length - missing.length,
    factsTotal: read.length,
    factShare: read.length === 0 ? 1 : (read.length - missing.length) / read.length,
    missing,
    unread,
    invented,
    form: {
      sentences,
      sentencesOk: sentences >= 2 && sentences <= 3,
      filler: FILLER.test(answer.summary.trim()),
      titleWords,
      titleOk: titleWords >= 1 && titleWords <= 8,
      tags: answer.tags.length,
      tagsOk: answer.tags.length >= 3 && answer.tags.length <= 6,
      ...(detected ? { languageOk: detected === primaryLanguage(expected) } : {}),
    },
  };
}
