import { defineProject } from 'vitest/config';

/**
 * The vitest project settings every workspace package uses: tests import each
 * package's TypeScript source through the `@asng/source` export condition, so
 * no build is needed before `npm test`.
 */
export function packageProject(name: string, overrides: { testTimeout?: number } = {}) {
  return defineProject({
    resolve: { conditions: ['@asng/source'] },
    ssr: { resolve: { conditions: ['@asng/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
    },
  });
}
