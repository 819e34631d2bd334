/**
 * OCR noise filter, as the original script did it: drop lines that are too short, mostly non-alphanumeric,
 * or one character repeated (table rules, underlines, scanner speckle); and lines without a word — three
 * letters or two digits in a row —, which is what tesseract makes of a photo's texture ("on. _ » 1 nt").
 */
export function cleanOcrText(raw: string): string {
  const kept: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    const text = line.replace(/\s+/g, ' ').trim();
    if (isNoise(text)) continue;
    kept.push(text);
  }
  return kept.join('\n');
}

function isNoise(line: string): boolean {
  if (line.length < 3) return true;
  const compact = line.replace(/\s/g, '');
  if (new Set(compact.toLowerCase()).size === 1) return true;
  const alphanumeric = compact.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
  return alphanumeric / compact.length < 0.5 || !/\p{L}{3}|\p{N}{2}/u.test(line);
}
