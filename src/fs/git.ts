// A directory as a git repository: the primary's zones (every applied update is one commit,
// a commit made by hand is noticed by its HEAD moving) and the store (every change one
// commit). We run the git binary: its on-disk format and locking are git's business, not ours.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitIdentity {
  name: string;
  email: string;
}

export interface OpenRepoOptions {
  /** Who commits when the repository has no user.email of its own (default: poste primary). */
  identity?: GitIdentity;
  /** Only a repository whose top level is `dir` itself, not one of its parents. */
  topLevel?: boolean;
  /** More `name=value` settings for commits (e.g. core.fsync=committed). */
  commitConfig?: string[];
}

export interface GitRepo {
  /** The work tree's top level (absolute). */
  readonly root: string;
  /** The repository's git directory (absolute), where git keeps HEAD and its locks. */
  readonly gitDir: string;
  /** The commit HEAD points at, or undefined on a repository without commits. */
  head(): Promise<string | undefined>;
  /** Commits the given paths (relative to the directory opened) with a message. */
  commit(paths: string[], message: string): Promise<string | undefined>;
  /** Runs another git command in the directory opened; its trimmed stdout. */
  git(args: string[]): Promise<string>;
}

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Makes `dir` (created if missing) a new git repository; returns it opened. */
export async function initRepo(dir: string, opts: OpenRepoOptions = {}): Promise<GitRepo> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await git(dir, ['init', '-q']);
  const repo = await openRepo(dir, { ...opts, topLevel: true });
  if (!repo) throw new Error(`git init ${dir} did not make a repository`);
  return repo;
}

/** The repository holding `dir`, or undefined when it is not in a git work tree (or git is missing). */
export async function openRepo(dir: string, opts: OpenRepoOptions = {}): Promise<GitRepo | undefined> {
  let root: string;
  let gitDir: string;
  try {
    if ((await git(dir, ['rev-parse', '--is-inside-work-tree'])) !== 'true') return undefined;
    root = await git(dir, ['rev-parse', '--show-toplevel']);
    gitDir = resolve(dir, await git(dir, ['rev-parse', '--git-dir']));
  } catch {
    return undefined;
  }
  if (opts.topLevel) {
    const [a, b] = await Promise.all([fs.realpath(root), fs.realpath(dir)]);
    if (a !== b) return undefined;
  }
  // The repository's own identity when it has one, else ours.
  let identity: string[] = [];
  try {
    await git(dir, ['config', 'user.email']);
  } catch {
    const id = opts.identity ?? { name: 'poste primary', email: 'primary@localhost' };
    identity = ['-c', `user.name=${id.name}`, '-c', `user.email=${id.email}`];
  }
  return {
    root,
    gitDir,
    async head() {
      try {
        return await git(dir, ['rev-parse', '--verify', '-q', 'HEAD']);
      } catch {
        return undefined;
      }
    },
    async commit(paths, message) {
      await git(dir, ['add', '-A', '--', ...paths]);
      // Commit only these paths, whatever else is staged.
      await git(dir, [
        ...identity,
        ...(opts.commitConfig ?? []).flatMap((c) => ['-c', c]),
        '-c',
        'commit.gpgsign=false',
        'commit',
        '-q',
        '--no-verify',
        '-m',
        message,
        '--',
        ...paths,
      ]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
    git: (args) => git(dir, args),
  };
}

/**
 * HEAD's commit read from the git directory's files, without running git: cheap enough to
 * poll. Undefined when it cannot be read (no commit yet, or a layout we do not follow).
 */
export async function readHead(gitDir: string): Promise<string | undefined> {
  try {
    const head = (await fs.readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
    const ref = head.slice(5);
    try {
      return (await fs.readFile(join(gitDir, ref), 'utf8')).trim();
    } catch {
      const packed = await fs.readFile(join(gitDir, 'packed-refs'), 'utf8');
      for (const line of packed.split('\n')) {
        const [sha, name] = line.split(' ');
        if (name === ref && sha) return sha;
      }
      return undefined;
    }
  } catch {
    return undefined;
  }
}
