/**
 * The summary prompt's budget in tokens. Every request of a run carries the same num_ctx (Ollama reloads a
 * model whose num_ctx changes, and silently drops the beginning of a prompt longer than it), so the prompt is
 * fitted to it: the instructions, the file name and the metadata always stay, the answer keeps its room, and
 * the extracted sections share what is left.
 */

/** num_ctx when none is configured: room for a video's transcript, frames' text and a description. */
export const DEFAULT_CONTEXT_TOKENS = 8192;
/** The smallest context that holds the instructions, an image and a useful amount of material. */
export const MIN_CONTEXT_TOKENS = 2048;
/** Tokens kept free for the answer; also its num_predict, so a runaway model cannot grow the answer without bound. */
export const SUMMARY_ANSWER_TOKENS = 512;
export const DESCRIPTION_ANSWER_TOKENS = 320;
/** What one image costs in a multimodal prompt (a CLIP-style projector: 576 patches; a few models use more). */
export const IMAGE_TOKENS = 1024;

/**
 * A deliberately high estimate of the tokens in `text`: about 3 characters a token for Latin script (tokenizers
 * average nearer 4 for English prose; code, numbers and identifiers come out shorter), one a character for CJK
 * and other scripts whose characters are mostly tokens of their own.
 */
export function estimateTokens(text: string): number {
  let wide = 0;
  for (const char of text) if (char.codePointAt(0)! >= 0x2e80) wide++;
  return Math.ceil(wide + (text.length - wide) / 3);
}

/** Cuts `text` to about `tokens`, at a word boundary, saying how much was left out. */
export function cutToTokens(text: string, tokens: number): string {
  if (estimateTokens(text) <= tokens) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (estimateTokens(text.slice(0, mid)) <= tokens) low = mid;
    else high = mid - 1;
  }
  const space = text.lastIndexOf(' ', low);
  const end = space > low * 0.8 ? space : low;
  return `${text.slice(0, end)}\n[… ${text.length - end} more characters]`;
}

/**
 * Shares `budget` tokens among sections: each gets an equal part, and what a short section does not use goes
 * to the longer ones (so a short description never costs a long transcript its room).
 */
export function shareBudget(texts: string[], budget: number): number[] {
  const needs = texts.map(estimateTokens);
  const shares = needs.map(() => 0);
  let left = Math.max(0, budget);
  let open = needs.map((_, i) => i);
  while (open.length > 0 && left > 0) {
    const part = Math.floor(left / open.length);
    const satisfied = open.filter((i) => needs[i] - shares[i] <= part);
    if (satisfied.length === 0) {
      for (const i of open) shares[i] += part;
      break;
    }
    for (const i of satisfied) {
      left -= needs[i] - shares[i];
      shares[i] = needs[i];
    }
    open = open.filter((i) => !satisfied.includes(i));
  }
  return shares;
}
