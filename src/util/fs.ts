/**
 * Atomic file output: every report, chart and checkpoint the CLI writes goes through
 * {@link writeFileAtomic} (one file) or {@link writeDirAtomic} (a whole report folder), so a
 * reader never sees a half-written file and a failed run leaves nothing behind.
 *
 * The pattern is the usual one: write a temporary sibling (same directory, hence the same file
 * system), flush it to disk, then `rename` it over the destination, which POSIX makes atomic.
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync, existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** File contents accepted by the writers: text (written as UTF-8) or raw bytes. */
export type FileContents = string | Uint8Array;

/**
 * An entry of {@link writeDirAtomic}: contents, or a function that writes the file at the path
 * it is given (for writers with their own format, e.g. `saveCheckpoint`).
 */
export type FolderEntry = FileContents | ((path: string) => void);

/** A temporary name next to `path`: `.<base>.<pid>.<random>.tmp`, hidden and unique. */
function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `contents` to `path` atomically: a temporary sibling is written and fsynced, then
 * renamed over `path`. Creates missing parent directories. On any error the temporary file is
 * removed and `path` is left as it was.
 *
 * @param path - destination file.
 * @param contents - a string (UTF-8) or bytes.
 */
export function writeFileAtomic(path: string, contents: FileContents): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = temporarySibling(path);
  try {
    const fd = openSync(temp, 'w', 0o644);
    try {
      const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Writes a whole folder atomically: every file goes into a hidden staging folder next to
 * `dir`, which is renamed to `dir` only once all files are written. An existing `dir` must be
 * empty (it is replaced) unless `overwrite` is set, in which case it is moved aside and deleted
 * after the rename. On error the staging folder is removed and `dir` is untouched.
 *
 * @param dir - destination folder.
 * @param files - relative file name (may contain `/`) to contents or a writer function.
 * @param overwrite - replace an existing non-empty `dir` (default false: throw instead).
 * @throws Error naming `dir` if it exists, is not empty and `overwrite` is false.
 */
export function writeDirAtomic(dir: string, files: Readonly<Record<string, FolderEntry>>, overwrite = false): void {
  const existing = existsSync(dir);
  if (existing && !overwrite && readdirSync(dir).length > 0) {
    throw new Error(`output folder ${dir} already exists and is not empty; pass --overwrite or choose another --out`);
  }
  mkdirSync(dirname(dir), { recursive: true });
  const staging = temporarySibling(dir);
  try {
    mkdirSync(staging);
    for (const [name, contents] of Object.entries(files)) {
      if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`writeDirAtomic: file name ${name} must stay inside the folder`);
      const target = join(staging, name);
      if (typeof contents === 'function') {
        mkdirSync(dirname(target), { recursive: true });
        contents(target);
      } else {
        writeFileAtomic(target, contents);
      }
    }
    swapInto(staging, dir, existing);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Renames `staging` to `dir`, moving an existing `dir` aside first and back if the rename fails. */
function swapInto(staging: string, dir: string, existing: boolean): void {
  const aside = existing ? temporarySibling(dir) : null;
  if (aside) renameSync(dir, aside);
  try {
    renameSync(staging, dir);
  } catch (error) {
    if (aside) renameSync(aside, dir);
    throw error;
  }
  if (aside) rmSync(aside, { recursive: true, force: true });
}
