/**
 * The files of a folder the user drops on the page or picks with the folder
 * input, each with its path relative to the folder's parent.
 */

/** A file and its path, `folder/class/name.png`. */
export interface DroppedFile {
  readonly path: string;
  readonly file: File;
}

interface Entry {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
  file?(success: (file: File) => void, failure: (error: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: Entry[]) => void, failure: (error: unknown) => void): void };
}

async function walk(entry: Entry, prefix: string, out: DroppedFile[]): Promise<void> {
  const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((resolve, reject) => entry.file!(resolve, reject));
    out.push({ path, file });
  } else if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // readEntries gives at most 100 entries a call: read until it gives none.
    for (;;) {
      const batch = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, path, out);
    }
  }
}

/** The files of what was dropped: folders are walked, loose files kept with their names. */
export async function filesFromDrop(transfer: DataTransfer): Promise<DroppedFile[]> {
  const entries = Array.from(transfer.items)
    .map((item) => (item.webkitGetAsEntry?.() ?? null) as Entry | null)
    .filter((e): e is Entry => e !== null);
  if (entries.length === 0) return Array.from(transfer.files, (file) => ({ path: file.name, file }));
  const out: DroppedFile[] = [];
  for (const entry of entries) await walk(entry, '', out);
  return out;
}

/** The files a folder input (`webkitdirectory`) picked. */
export function filesFromInput(input: HTMLInputElement): DroppedFile[] {
  return Array.from(input.files ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file }));
}
