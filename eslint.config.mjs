// The lint gate of `npm test`: typescript-eslint's type-checked rules (strict and stylistic) over every TypeScript
// file, so a floating promise, an unsafe any or a condition that is always true fails the build. Formatting is
// Prettier's (`npm run format`). Every rule turned off or tuned here says why.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-bench/',
      'dist-soak/',
      'build/',
      'release/',
      'coverage/',
      '.tap/',
      'test/fixtures/',
      'test/output/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    // A disable comment whose problem has gone (fixed, or moved to another line by a reformat) fails too, so that no
    // disable outlives its reason.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // noUncheckedIndexedAccess types every index as possibly undefined; `!` marks the places (loops over a
      // length, a match group the regex guarantees) where it is known in range. A runtime check there would sit on
      // the walk's hot path for a case that cannot happen.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Counts, pids and durations go into messages and label values as text all the time.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `(x) => void f(x)` and `(l) => lines.push(l)` as callbacks are clear; braces around them are noise.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // An empty string is "not set" in exporter-toolkit's config, as in Go: `a || b` on strings means that.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
      // `const { drop, ...rest } = x` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // tap queues every t.test() and awaits it in order itself; its promise is there to be awaited or not.
      '@typescript-eslint/no-floating-promises': 'off',
      // tap's callbacks are async so that a throw anywhere in them is a failed subtest, whether they await or not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
);
