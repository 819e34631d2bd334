/**
 * OCR noise filter, as the original script did it: drop lines that are too short, mostly non-alphanumeric,
 * or one character repeated (table rules, underlines, scanner speckle); and lines without a word — three
 * letters or two digits in a row —, which is what tesseract makes of a photo's texture ("on. _ » 1 nt").
 */
export function cleanOcrText(raw: string): string {
  const kept: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    // tesseract puts a space between every two Chinese or Japanese characters; the scripts use none.
    const text = line.replace(/\s+/g, ' ').trim().replace(CJK_SPACE, '');
    if (isNoise(text)) continue;
    kept.push(text);
  }
  return kept.join('\n');
}

/** Han, kana and Hangul, where one character is a word (or a syllable of one) rather than a letter. */
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}ー、。「」・';
const CJK_CHARS = new RegExp(`[${CJK}]`, 'gu');
const CJK_SPACE = new RegExp(`(?<=[${CJK}]) (?=[${CJK}])`, 'gu');

function isNoise(line: string): boolean {
  const cjk = line.match(CJK_CHARS)?.length ?? 0;
  // "東京" is a word; two Latin letters rarely are, in OCR output.
  if (line.length < (cjk >= 2 ? 2 : 3)) return true;
  const compact = line.replace(/\s/g, '');
  if (new Set(compact.toLowerCase()).size === 1) return true;
  const alphanumeric = compact.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
  return alphanumeric / compact.length < 0.5 || (cjk < 2 && !/\p{L}{3}|\p{N}{2}/u.test(line));
}
