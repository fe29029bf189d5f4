/**
 * The git commit of the project, for provenance. Read from `.git` directly
 * (HEAD, loose refs, packed-refs): no child process, no dependency on git
 * being installed. Best effort: null when there is no repository.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

async function findGitDir(start: string): Promise<string | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.git');
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isDirectory()) return candidate;
    if (info?.isFile()) {
      // A worktree or submodule: `.git` is a file naming the real git dir.
      const match = /^gitdir: (.+)$/m.exec(await readFile(candidate, 'utf8'));
      if (match?.[1]) return path.resolve(dir, match[1].trim());
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

export async function readGitCommit(projectRoot: string): Promise<string | null> {
  try {
    const gitDir = await findGitDir(projectRoot);
    if (!gitDir) return null;
    const head = (await readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return null;
    // Worktrees keep refs in the common dir.
    const common = await readFile(path.join(gitDir, 'commondir'), 'utf8').then((c) => path.resolve(gitDir, c.trim()), () => gitDir);
    for (const dir of [gitDir, common]) {
      const loose = await readFile(path.join(dir, ref), 'utf8').catch(() => undefined);
      if (loose) return loose.trim();
    }
    const packed = await readFile(path.join(common, 'packed-refs'), 'utf8').catch(() => '');
    for (const line of packed.split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && sha) return sha;
    }
    return null;
  } catch {
    return null;
  }
}
