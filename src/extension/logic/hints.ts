/**
 * The engine's messages name CLI flags ("pass --model", "`--whisper-cli PATH`"); in VS Code the same advice is a
 * setting or a command. Display-only rewriting: records keep the engine's text.
 */
const REWRITES: Array<[RegExp, string]> = [
  [/`media-summarizer --download-whisper-model ([^`\s]+)`/g, 'the command "Media Summarizer: Download Whisper Model" ($1)'],
  [/(?:pass )?(?:an existing |a working |a )?whisper-cli(?: built here)? with `--whisper-cli PATH`/g, 'set mediaSummarizer.whisper.cliPath to an existing whisper-cli'],
  [/the path given with `--whisper-cli`/g, 'the setting mediaSummarizer.whisper.cliPath'],
  [/pass --ffmpeg PATH \(setting mediaSummarizer\.ffmpegPath\)/g, 'set mediaSummarizer.ffmpegPath'],
  [/pass --ollama-host \(setting mediaSummarizer\.ollama\.host\)/g, 'set mediaSummarizer.ollama.host'],
  [/or pass --model\b/g, 'or choose another with "Media Summarizer: Select Ollama Model…"'],
  [/(?:[Pp]ass|use another) --cache-dir with (?:a |another )?/g, 'set mediaSummarizer.cache.location to use another '],
  [/pass --log FILE somewhere writable or --no-log(?: \(in VS Code: [^)]*\))?/g, 'set mediaSummarizer.log.location to "storage" or "none"'],
];

export function extensionHints(message: string): string {
  return REWRITES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}
