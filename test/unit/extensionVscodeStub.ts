/**
 * A small stand-in for the `vscode` module, enough to load dist/extension.js in plain Node and drive its commands,
 * tree view and content provider. It records what the extension shows (messages, progress, status bar, clipboard)
 * and lets a test answer prompts. It is not VS Code: the real extension host is exercised by the next issue's
 * tests; this catches wiring mistakes (a command not registered, a tree item not built, a hover not untrusted).
 */
import { readFileSync, watch } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query: string,
  ) {}
  static file(fsPath: string): Uri {
    return new Uri('file', fsPath, '');
  }
  static from(parts: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(parts.scheme, parts.path ?? '', parts.query ?? '');
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}
export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}
export class MarkdownString {
  isTrusted: boolean | { enabledCommands: string[] } | undefined = undefined;
  supportHtml = false;
  supportThemeIcons: boolean;
  constructor(
    public value = '',
    supportThemeIcons = false,
  ) {
    this.supportThemeIcons = supportThemeIcons;
  }
}
export class TreeItem {
  id?: string;
  description?: string;
  iconPath?: ThemeIcon;
  contextValue?: string;
  tooltip?: string | MarkdownString;
  command?: { command: string; title: string; arguments?: unknown[] };
  accessibilityInformation?: { label: string };
  constructor(
    readonly label: string,
    readonly collapsibleState: number,
  ) {}
}

export class RelativePattern {
  constructor(
    readonly baseUri: Uri,
    readonly pattern: string,
  ) {}
}

/**
 * VS Code's file watcher, on node's fs.watch of the pattern's folder: every event is reported as a change (the
 * extension lists the folder again whatever the kind of event).
 */
function createFileSystemWatcher(pattern: RelativePattern) {
  const created = new EventEmitter<Uri>();
  const changed = new EventEmitter<Uri>();
  const deleted = new EventEmitter<Uri>();
  const watcher = watch(pattern.baseUri.fsPath, { recursive: pattern.pattern.startsWith('**') }, (_event, name) => {
    if (name) changed.fire(Uri.file(path.join(pattern.baseUri.fsPath, name)));
  });
  recorded.watchers.push(pattern.baseUri.fsPath);
  return {
    onDidCreate: created.event,
    onDidChange: changed.event,
    onDidDelete: deleted.event,
    dispose: () => {
      watcher.close();
      recorded.watchers.splice(recorded.watchers.indexOf(pattern.baseUri.fsPath), 1);
    },
  };
}

export const TreeItemCollapsibleState = { None: 0, Collapsed: 1, Expanded: 2 };
export const StatusBarAlignment = { Left: 1, Right: 2 };
export const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 };
export const ConfigurationTarget = { Global: 1, Workspace: 2, WorkspaceFolder: 3 };
export const QuickPickItemKind = { Separator: -1, Default: 0 };

export interface ShownMessage {
  level: 'info' | 'warning' | 'error';
  message: string;
  items: unknown[];
}

/** What the extension did, and how the "user" answers. */
export const recorded = {
  messages: [] as ShownMessage[],
  progress: [] as Array<{ title?: string; location: number; cancellable: boolean; reports: Array<{ message?: string; increment?: number }>; cancel: () => void }>,
  statusTexts: [] as string[],
  contexts: new Map<string, unknown>(),
  executed: [] as Array<{ command: string; args: unknown[] }>,
  clipboard: '',
  logLines: [] as string[],
  shownDocuments: [] as string[],
  /** TreeView.reveal calls: the element's path and the options. */
  revealed: [] as Array<{ path: string; options: unknown }>,
  configuration: new Map<string, unknown>(),
  /** The folders watched now. */
  watchers: [] as string[],
  /** Answers a message: return one of the items, or undefined (dismissed). */
  answer: (_message: ShownMessage): unknown => undefined,
};

const commands = new Map<string, (...args: unknown[]) => unknown>();
const contentProviders = new Map<string, { provideTextDocumentContent(uri: Uri): unknown }>();
const configListeners = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
// The tree provider and view are the extension's own objects, inspected by the tests as they are.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const treeViews: Array<{ id: string; provider: any; view: any }> = [];

function showMessage(level: ShownMessage['level']) {
  return async (message: string, ...rest: unknown[]) => {
    const items = rest.filter((item) => typeof item === 'string' || (typeof item === 'object' && item !== null && 'title' in (item)));
    const shown = { level, message, items };
    recorded.messages.push(shown);
    return recorded.answer(shown);
  };
}

export const window = {
  createOutputChannel: (_name: string, _options?: unknown) => {
    const log = (level: string) => (line: string) => recorded.logLines.push(`${level} ${line}`);
    return { info: log('info'), warn: log('warn'), error: log('error'), trace: log('trace'), debug: log('debug'), appendLine: log('line'), show: () => undefined, dispose: () => undefined };
  },
  createTreeView: (id: string, options: { treeDataProvider: unknown }) => {
    const view = {
      selection: [] as unknown[],
      message: undefined as string | undefined,
      reveal: async (element: { path: string }, options: unknown) => {
        recorded.revealed.push({ path: element.path, options });
      },
      dispose: () => undefined,
    };
    treeViews.push({ id, provider: options.treeDataProvider, view });
    return view;
  },
  createStatusBarItem: () => {
    const item = {
      text: '',
      name: '',
      tooltip: '',
      command: '',
      visible: false,
      show() {
        item.visible = true;
        recorded.statusTexts.push(item.text);
      },
      hide() {
        item.visible = false;
      },
      dispose() {},
    };
    return item;
  },
  withProgress: async (options: { title?: string; location: number; cancellable?: boolean }, task: (progress: unknown, token: unknown) => Promise<unknown>) => {
    const cancel = new EventEmitter<void>();
    const token = { isCancellationRequested: false, onCancellationRequested: cancel.event };
    // `cancel` is the notification's Cancel button, for a test to press.
    const entry = {
      title: options.title,
      location: options.location,
      cancellable: Boolean(options.cancellable),
      reports: [] as Array<{ message?: string; increment?: number }>,
      cancel: () => {
        token.isCancellationRequested = true;
        cancel.fire();
      },
    };
    recorded.progress.push(entry);
    return task({ report: (value: { message?: string; increment?: number }) => entry.reports.push(value) }, token);
  },
  showInformationMessage: showMessage('info'),
  showWarningMessage: showMessage('warning'),
  showErrorMessage: showMessage('error'),
  setStatusBarMessage: (text: string) => {
    recorded.statusTexts.push(text);
    return { dispose: () => undefined };
  },
  showTextDocument: async (document: Uri | { uri: Uri }) => {
    const uri = document instanceof Uri ? document : document.uri;
    recorded.shownDocuments.push(uri.toString());
  },
  showInputBox: async (): Promise<string | undefined> => undefined,
  showQuickPick: async () => undefined,
  showOpenDialog: async () => undefined,
  showSaveDialog: async (): Promise<Uri | undefined> => undefined,
};

export const workspace = {
  getConfiguration: (section: string) => ({
    get: (key: string) => recorded.configuration.get(`${section}.${key}`),
    update: async (key: string, value: unknown) => {
      recorded.configuration.set(`${section}.${key}`, value);
      configListeners.fire({ affectsConfiguration: (s: string) => `${section}.${key}`.startsWith(s) });
    },
  }),
  onDidChangeConfiguration: configListeners.event,
  createFileSystemWatcher,
  registerTextDocumentContentProvider: (scheme: string, provider: { provideTextDocumentContent(uri: Uri): unknown }) => {
    contentProviders.set(scheme, provider);
    return { dispose: () => contentProviders.delete(scheme) };
  },
  openTextDocument: async (uri: Uri) => {
    const provider = contentProviders.get(uri.scheme);
    const text = provider ? String(await provider.provideTextDocumentContent(uri)) : '';
    return { uri, getText: () => text };
  },
};

export const commandsApi = {
  registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
    if (commands.has(id)) throw new Error(`command ${id} already registered`);
    commands.set(id, handler);
    return { dispose: () => commands.delete(id) };
  },
  executeCommand: async (id: string, ...args: unknown[]) => {
    recorded.executed.push({ command: id, args });
    if (id === 'setContext') {
      recorded.contexts.set(args[0] as string, args[1]);
      return undefined;
    }
    const handler = commands.get(id);
    return handler ? handler(...args) : undefined;
  },
};

export const env = {
  /** Set by a test to stand for a remote window (Remote-SSH, WSL, code-server). */
  remoteName: undefined as string | undefined,
  clipboard: {
    writeText: async (text: string) => {
      recorded.clipboard = text;
    },
  },
};

export function registeredCommands(): string[] {
  return [...commands.keys()];
}

export function contentProvider(scheme: string) {
  return contentProviders.get(scheme);
}

/** A Memento like ExtensionContext.globalState, backed by a Map that a test can keep across "restarts". */
export function memento(store = new Map<string, unknown>()) {
  return {
    store,
    get: <T>(key: string, fallback?: T) => (store.has(key) ? (store.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => {
      store.set(key, JSON.parse(JSON.stringify(value)));
    },
    keys: () => [...store.keys()],
  };
}

const stub = {
  EventEmitter,
  Uri,
  ThemeColor,
  ThemeIcon,
  MarkdownString,
  TreeItem,
  TreeItemCollapsibleState,
  RelativePattern,
  StatusBarAlignment,
  ProgressLocation,
  ConfigurationTarget,
  QuickPickItemKind,
  window,
  workspace,
  commands: commandsApi,
  env,
  extensions: {
    getExtension: (id: string) => (id === 'media-summarizer.media-summarizer' ? { packageJSON: JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as unknown } : undefined),
  },
};

/** Makes `require('vscode')` return this stand-in, then loads the bundled extension. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- activate() returns the extension's API, typed by its tests
export function loadExtension(bundle: string): { activate: (context: unknown) => any; deactivate: () => Promise<void> } {
  installStub();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.resolve(bundle));
}

/** Makes `require('vscode')` return this stand-in, also for modules of src/extension imported by a test. */
export function installStub(): void {
  const resolver = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = resolver._load;
  resolver._load = function load(request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return stub;
    return original.call(this, request, parent, isMain);
  };
}

/** Resets everything the extension registered (between "restarts"). */
export function resetHost(): void {
  commands.clear();
  contentProviders.clear();
  treeViews.length = 0;
  recorded.messages.length = 0;
  recorded.progress.length = 0;
  recorded.statusTexts.length = 0;
  recorded.executed.length = 0;
  recorded.logLines.length = 0;
  recorded.shownDocuments.length = 0;
  recorded.revealed.length = 0;
  recorded.clipboard = '';
  recorded.answer = () => undefined;
}
