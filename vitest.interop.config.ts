import { defineConfig } from 'vitest/config';

// The interop tier: differential tests against independent implementations installed
// from Debian packages (see DEVELOPERS.md). Run by .ci/run after the main suite.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 300_000,
    fileParallelism: false,
  },
});
