import path from 'node:path';

export type MediaKind = 'image' | 'video' | 'audio';

/** The extensions the original script picked up, plus audio files (processed from the video/audio issue on). */
const EXTENSIONS: Record<MediaKind, readonly string[]> = {
  image: ['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp', '.tiff', '.tif', '.heic', '.heif'],
  video: ['.mp4', '.mov', '.avi', '.mkv', '.webm', '.flv', '.wmv', '.m4v'],
  audio: ['.mp3', '.wav', '.m4a', '.flac', '.ogg', '.opus', '.aac'],
};

const KIND_BY_EXTENSION = new Map<string, MediaKind>(
  (Object.entries(EXTENSIONS) as [MediaKind, readonly string[]][]).flatMap(([kind, exts]) =>
    exts.map((ext) => [ext, kind] as const),
  ),
);

/** The media kind of a file name, case-insensitively by extension; undefined for anything else. */
export function mediaKindOf(fileName: string): MediaKind | undefined {
  return KIND_BY_EXTENSION.get(path.extname(fileName).toLowerCase());
}

export function supportedExtensions(kind?: MediaKind): readonly string[] {
  return kind ? EXTENSIONS[kind] : [...KIND_BY_EXTENSION.keys()];
}
