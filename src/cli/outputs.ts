/**
 * Where a command writes, checked before any work so that a bad `--out` or `--checkpoint` never
 * costs a run, and claimed for the run so that two runs never write into the same place.
 *
 * - {@link checkWritable}: the nearest existing ancestor of a path must be a folder we may write in.
 * - {@link checkOutFolder} / {@link checkOutputFile}: an existing target is refused unless the flag
 *   that allows it (`--overwrite`, `--resume`) is given.
 * - {@link claimOutput}: a lock file `.<name>.lock` beside the target, created exclusively (`wx`) and
 *   holding the process id; a second run finds it and stops with exit code 2. A lock left by a
 *   process that no longer runs (kill -9) is stale and taken over.
 * - {@link claimNewRunDir}: a new folder `runs/<stamp>`, `runs/<stamp>-2`, ... created with a
 *   non-recursive `mkdir`, which fails for all but one of several runs started in the same second.
 * @module
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';

/** The nearest ancestor of `path` (or `path` itself) that exists. */
function existingAncestor(path: string): string {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/**
 * Checks that `path` can be created: its nearest existing ancestor above it is a folder we may
 * write in (a file there, or a read-only folder, would only fail after the work).
 */
export function checkWritable(path: string, flag: string): void {
  const ancestor = existingAncestor(dirname(path));
  if (!statSync(ancestor).isDirectory()) throw new UsageError(`${flag} ${path}: ${ancestor} is a file, not a folder`);
  try {
    accessSync(ancestor, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: cannot write in ${ancestor} (permission denied)`);
  }
}

/**
 * Checks an `--out` folder before any work: it can be created, it is not an existing file, and
 * an existing folder is empty unless `allowExisting` (`--overwrite`) is given.
 */
export function checkOutFolder(path: string | undefined, allowExisting: boolean, hint = 'pass --overwrite to replace it'): void {
  if (path === undefined) return;
  checkWritable(path, '--out');
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) throw new UsageError(`--out ${path} is a file, not a folder`);
  if (!allowExisting && readdirSync(path).length > 0) throw new UsageError(`--out ${path} already exists and is not empty (${hint})`);
}

/**
 * Checks an output file such as `--checkpoint`: it can be created, is not a folder, and an
 * existing file is refused unless `allowExisting` (`--resume` or `--overwrite`).
 */
export function checkOutputFile(path: string | undefined, flag: string, allowExisting: boolean, hint: string): void {
  if (path === undefined) return;
  checkWritable(path, flag);
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) throw new UsageError(`${flag} ${path} is a folder, not a file`);
  if (!allowExisting) throw new UsageError(`${flag} ${path} already exists (${hint})`);
}

/** Whether process `pid` still runs (EPERM: it runs under another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file of `path`: `.<name>.lock` in the same folder. */
export function lockPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.lock`);
}

/**
 * Claims `path` for this run with its lock file (creating the parent folders). Returns the
 * function that releases it.
 * @throws UsageError naming `flag` when another running process holds the lock.
 */
export function claimOutput(path: string, flag: string): () => void {
  const lock = lockPath(path);
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      if (attempt > 0 || (Number.isInteger(pid) && pid > 0 && running(pid))) {
        throw new UsageError(`${flag} ${path} is in use by another relaxjs run (process ${pid}; lock file ${lock})`);
      }
      rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
}

/** Creates and returns a new folder `base`, or `base-2`, `base-3`, ... when taken. */
export function claimNewRunDir(base: string): string {
  mkdirSync(dirname(base), { recursive: true });
  for (let k = 1; ; k++) {
    const dir = k === 1 ? base : `${base}-${k}`;
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
