import { describe, expect, it } from 'vitest';
import { FolderError, holdOutTest, parseImageFolder } from './image-folder.js';

describe('parseImageFolder', () => {
  it('reads classes in name order from a dropped folder, skipping what is not an image with the reason', () => {
    const layout = parseImageFolder([
      'pets/dog/b.jpg',
      'pets/cat/z.PNG',
      'pets/dog/a.webp',
      'pets/cat/notes.txt',
      'pets/readme.md',
      'pets/.DS_Store',
      'pets/cat/.hidden.png',
      'pets/cat/more/x.png',
    ]);
    expect(layout.root).toBe('pets');
    expect(layout.classNames).toEqual(['cat', 'dog']);
    // Files in name order within a class: dog/a.webp (index 2) before dog/b.jpg (index 0).
    expect(layout.train).toEqual([
      { file: 1, label: 0 },
      { file: 2, label: 1 },
      { file: 0, label: 1 },
    ]);
    expect(layout.test).toBeUndefined();
    expect(layout.skipped).toEqual([
      { path: 'pets/cat/notes.txt', reason: expect.stringMatching(/^not an image/) },
      { path: 'pets/readme.md', reason: 'not in a class folder' },
      { path: 'pets/cat/more/x.png', reason: 'in a sub-folder of a class folder' },
    ]);
  });

  it('uses train/ and test/ when both exist', () => {
    const layout = parseImageFolder(['d/train/b/1.png', 'd/train/a/1.png', 'd/test/a/2.png', 'd/extra.png']);
    expect(layout.classNames).toEqual(['a', 'b']);
    expect(layout.train).toEqual([
      { file: 1, label: 0 },
      { file: 0, label: 1 },
    ]);
    expect(layout.test).toEqual([{ file: 2, label: 0 }]);
    expect(layout.skipped).toEqual([{ path: 'd/extra.png', reason: 'outside train/ and test/' }]);
    // Dropped as the split folders themselves, without a common root.
    expect(parseImageFolder(['train/x/1.png', 'train/y/1.png', 'test/y/2.png']).test).toEqual([{ file: 2, label: 1 }]);
  });

  it('refuses a folder it cannot search on, saying why', () => {
    expect(() => parseImageFolder(['p/a/1.png', 'p/a/2.png'])).toThrow(
      new FolderError("the folder 'p': expected at least two class folders of images, found only 'a'."),
    );
    expect(() => parseImageFolder(['p/a/1.txt', 'p/b/2.doc'])).toThrow(/No image in class folders in the folder 'p'/);
    expect(() => parseImageFolder(['p/train/a/1.png', 'p/train/b/1.png', 'p/test/c/1.png'])).toThrow(/test\/ has class folder\(s\) that train\/ lacks: c/);
  });
});

describe('holdOutTest', () => {
  it('holds out every fifth image of each class', () => {
    const train = [...Array.from({ length: 10 }, (_, i) => ({ file: i, label: 0 })), ...Array.from({ length: 4 }, (_, i) => ({ file: 10 + i, label: 1 }))];
    const { train: kept, test } = holdOutTest(train);
    expect(test).toEqual([
      { file: 4, label: 0 },
      { file: 9, label: 0 },
    ]);
    expect(kept).toHaveLength(12);
  });
});
