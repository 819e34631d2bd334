/**
 * The Media Summaries tree provider (src/extension/treeView.ts) against the stand-in `vscode` module: VS Code drops
 * the children it is waiting for when the same element changes meanwhile (seen in code-server after a restart: a
 * folder restored expanded showed "2/2 summarized" and no files), so no change event may fire while getChildren
 * waits for a folder to be listed — the events come once the children were returned.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { installStub } from './extensionVscodeStub';

/** A row's file or folder, or a group's key. */
const pathOf = (node: { kind: string; path?: string; key?: string }) => node.path ?? node.key ?? '';

/** Longer than the tree's coalescing of change events (80 ms). */
const PAST_COALESCING_MS = 300;

/**
 * A tree over one folder, /media, whose listing works like Controller.loadRoot: it shows the folder as loading,
 * lists it (slowly, until `finishListing`: a cold cache on a busy machine) and shows the counts.
 */
async function slowlyListedTree() {
  installStub();
  const { SummaryTree } = await import('../../src/extension/treeView');
  const { SummaryModel } = await import('../../src/extension/logic/model');
  const model = new SummaryModel([{ path: '/media', recursive: false }]);
  let finishListing!: () => void;
  const listed = new Promise<void>((resolve) => (finishListing = resolve));
  const tree: InstanceType<typeof SummaryTree> = new SummaryTree(model, {
    loadRoot: async (root) => {
      if (root.loaded) return;
      tree.refresh([root]);
      await listed;
      model.setListing(root, [{ path: '/media/shot.png', kind: 'image' }]);
      tree.refresh([root]);
    },
    isLoading: () => false,
  }, () => ({ labelBy: 'title', sortBy: 'name', groupBy: 'none' }));
  const events: unknown[] = [];
  tree.onDidChangeTreeData((change) => events.push(change));
  return { model, tree, events, finishListing };
}

test('no change event while a folder is listed for getChildren; the folder is refreshed once its children were returned', async () => {
  const { model, tree, events, finishListing } = await slowlyListedTree();
  const [root] = model.roots; // asked for directly (e.g. a reveal), before VS Code listed the folders
  const children = tree.getChildren(root);
  await sleep(PAST_COALESCING_MS);
  assert.deepEqual(events, [], 'no change event while VS Code waits for the children');
  finishListing();
  assert.deepEqual((await children).map(pathOf), ['/media/shot.png']);
  await sleep(PAST_COALESCING_MS);
  assert.equal(events.length, 1, 'one coalesced event afterwards');
  assert.ok(Array.isArray(events[0]) && (events[0] as unknown[]).includes(root), 'for the folder (its counts)');
  tree.dispose();
});

test('restored folders are listed before they are shown, so no refresh of a folder follows its first display', async () => {
  const { tree, events, finishListing } = await slowlyListedTree();
  const roots = tree.getChildren();
  await sleep(PAST_COALESCING_MS);
  finishListing();
  const [root] = await roots;
  assert.equal(root.kind === 'root' && root.loaded, true, 'the folder was listed before VS Code asks for its item');
  assert.deepEqual((await tree.getChildren(root)).map(pathOf), ['/media/shot.png']);
  await sleep(PAST_COALESCING_MS);
  assert.deepEqual(events, [], 'no refresh that would make VS Code drop the files it shows');
  tree.dispose();
});

test('grouped by kind or by first tag: each file in one group, in order; getParent leads back through its group', async () => {
  installStub();
  const { SummaryTree } = await import('../../src/extension/treeView');
  const { SummaryModel } = await import('../../src/extension/logic/model');
  const model = new SummaryModel([{ path: '/d', recursive: false }]);
  const [root] = model.roots;
  const ok = (path: string, kind: 'image' | 'video' | 'audio', tags: string[]) => ({ path, kind, status: 'ok' as const, cached: false, metadata: {}, summary: 's', title: 't', tags });
  const files = [
    ok('/d/a.png', 'image', ['Travel', 'flight']),
    ok('/d/b.mp4', 'video', ['work']),
    ok('/d/c.m4a', 'audio', ['travel']),
  ];
  model.setListing(root, [...files.map(({ path, kind }) => ({ path, kind })), { path: '/d/new.png', kind: 'image' }], new Map(files.map((f) => [f.path, f])));
  const options = { labelBy: 'title' as const, sortBy: 'name' as const, groupBy: 'kind' as 'none' | 'kind' | 'tag' };
  const tree = new SummaryTree(model, { loadRoot: async () => undefined, isLoading: () => false }, () => options);
  const shape = async () => {
    const out: Record<string, string[]> = {};
    for (const group of await tree.getChildren(root)) {
      assert.equal(group.kind, 'group');
      const label = tree.getTreeItem(group).label as string;
      out[label] = (await tree.getChildren(group)).map(pathOf);
      for (const file of await tree.getChildren(group)) assert.equal(tree.getTreeItem(tree.getParent(file)!).id, tree.getTreeItem(group).id, `${pathOf(file)} leads back to ${label}`);
    }
    return out;
  };
  assert.deepEqual(await shape(), { Images: ['/d/a.png', '/d/new.png'], Videos: ['/d/b.mp4'], Audio: ['/d/c.m4a'] });
  options.groupBy = 'tag';
  assert.deepEqual(await shape(), { travel: ['/d/a.png', '/d/c.m4a'], work: ['/d/b.mp4'], 'Not tagged yet': ['/d/new.png'] }, 'the first tag, case folded; untagged last');
  assert.equal(tree.getTreeItem((await tree.getChildren(root))[0]).description, '2');
  options.groupBy = 'none';
  assert.deepEqual((await tree.getChildren(root)).map(pathOf), ['/d/a.png', '/d/b.mp4', '/d/c.m4a', '/d/new.png']);
  assert.equal(tree.getParent(model.entriesFor('/d/a.png')[0]), root);
  tree.dispose();
});
