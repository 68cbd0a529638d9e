// The zones directory as a git repository: every applied update is one commit, and a
// commit made by hand is noticed by its HEAD moving. We run the git binary: its on-disk
// format and locking are git's business, not ours.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitRepo {
  /** The commit HEAD points at, or undefined on a repository without commits. */
  head(): Promise<string | undefined>;
  /** Commits the given paths (relative to the repository's work tree) with a message. */
  commit(paths: string[], message: string): Promise<string | undefined>;
}

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** The repository holding `dir`, or undefined when it is not in a git work tree (or git is missing). */
export async function openRepo(dir: string): Promise<GitRepo | undefined> {
  try {
    if ((await git(dir, ['rev-parse', '--is-inside-work-tree'])) !== 'true') return undefined;
  } catch {
    return undefined;
  }
  // The repository's own identity when it has one, else ours.
  let identity: string[] = [];
  try {
    await git(dir, ['config', 'user.email']);
  } catch {
    identity = ['-c', 'user.name=poste primary', '-c', 'user.email=primary@localhost'];
  }
  return {
    async head() {
      try {
        return await git(dir, ['rev-parse', '--verify', '-q', 'HEAD']);
      } catch {
        return undefined;
      }
    },
    async commit(paths, message) {
      await git(dir, ['add', '--', ...paths]);
      // Commit only these paths, whatever else is staged.
      await git(dir, [...identity, 'commit', '-q', '--no-verify', '-m', message, '--', ...paths]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
  };
}
