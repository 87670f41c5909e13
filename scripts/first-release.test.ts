import { describe, expect, it } from 'vitest';
import { firstChangelog, parseChangeset } from './first-release.ts';

const shared = parseChangeset(
  'shared.md',
  `---
"@asng/core": minor
'@asng/engine': patch
---

Line one
continues here.

Second paragraph.
`,
);
const other = parseChangeset('other.md', "---\n'@asng/cli': minor\n---\n\nOnly the CLI.\n");

describe('first release', () => {
  it('reads the packages a changeset names, their bumps and its text', () => {
    expect(shared.releases).toEqual({ '@asng/core': 'minor', '@asng/engine': 'patch' });
    expect(shared.summary).toBe('Line one\ncontinues here.\n\nSecond paragraph.');
  });

  it("writes the package's current version as its first release, with only the changesets that name it", () => {
    expect(firstChangelog('@asng/core', '0.1.0', [shared, other])).toBe(
      '# @asng/core\n\n## 0.1.0\n\nFirst public release.\n\n- Line one\n  continues here.\n\n  Second paragraph.\n',
    );
    expect(firstChangelog('@asng/report-render', '0.1.0', [shared, other])).toBe('# @asng/report-render\n\n## 0.1.0\n\nFirst public release.\n');
  });

  it('refuses a changeset without front matter or with an unreadable release line', () => {
    expect(() => parseChangeset('bad.md', 'no front matter')).toThrow('bad.md: no front matter');
    expect(() => parseChangeset('bad.md', '---\n@asng/core minor\n---\ntext')).toThrow('cannot read the release line');
  });
});
