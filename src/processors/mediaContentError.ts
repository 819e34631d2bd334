/** The file's bytes cannot be read as media: deterministic for the content, unlike I/O or timeouts. */
export class MediaContentError extends Error {}
