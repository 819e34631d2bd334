import type { MediaKind } from './mediaTypes';

/*
 * Cache keys name the content (SHA-256) and everything that produced the value, so a new model, prompt or
 * processor version misses the cache instead of serving a stale answer. Bump a version when its output changes.
 */
export const EXTRACT_VERSION: Record<MediaKind, string> = { image: 'img-1', video: 'vid-1', audio: 'aud-1' };
export const VISION_VERSION = 'vis-1';
export const TRANSCRIPT_VERSION = 'tr-1';
export const SUMMARY_VERSION = 'sum-1';

/** The stat fast path: path + size + mtime + inode → content hash, so unchanged files are never re-read. */
export function statKey(file: string, size: number, mtimeMs: number, ino: number): string {
  return `stat:${size}:${mtimeMs}:${ino}:${file}`;
}

/**
 * What was read from a file (OCR text, metadata). Images and videos are read with the OCR languages, which name
 * the key unless they are English alone — the key every cache made before languages existed has.
 */
export function extractKey(kind: MediaKind, sha256: string, ocrLanguages = 'eng'): string {
  const languages = kind === 'audio' || ocrLanguages === 'eng' ? '' : `ocr=${ocrLanguages}:`;
  return `extract:${EXTRACT_VERSION[kind]}:${languages}${sha256}`;
}

export function transcriptKey(whisperModel: string, language: string, maxSeconds: number | undefined, sha256: string): string {
  return `transcript:${TRANSCRIPT_VERSION}:${whisperModel}:${language}:${maxSeconds ?? 'all'}:${sha256}`;
}

export function visionKey(model: string, sha256: string): string {
  return `vision:${VISION_VERSION}:${model}:${sha256}`;
}

/** A summary in `language` ("en", "de"): English keeps the key it had before summaries had a language. */
export function summaryKey(model: string, visionModel: string | undefined, sha256: string, language = 'en'): string {
  const lang = language === 'en' ? '' : `lang=${language}:`;
  return `summary:${SUMMARY_VERSION}:${lang}${model}:${visionModel ?? 'novision'}:${sha256}`;
}

/** The vision model a preflight found for host + model + setting, so cached summaries are found while Ollama is down. */
export function rememberedVisionKey(host: string, model: string, vision: string): string {
  return `preflight:vision:${host}:${model}:${vision}`;
}

export interface CachedSummary {
  summary: string;
  title: string;
  tags: string[];
}
