// typescript-eslint, strict and type-aware, over the sources, tests and benchmarks: `npm run lint` (part of `npm test`).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.bench-results/**', 'artifacts/**', '*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // The project's conventions: numbers and booleans read fine in messages; `!` marks what the line above proved.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `(event) => emit(event)` as a callback and `return this.dispatch();` to end a void method early are the
      // house style.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // A catch callback names what the API rejects with (fs: NodeJS.ErrnoException), as the code reads it.
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
      // `string | 'default' | false`: the literal documents a value with its own meaning.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Typed reads (`cache.get<ExtractResult>(key)`) name what the caller expects of untyped storage.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
      // node:test's test() and describe() return promises the runner awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and benchmarks read what the product printed (NDJSON, JSON files, /proc) and stand in for async
    // interfaces: values parsed from JSON are checked by assertions, not by types.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      // Flags that other callbacks set (`while (!finished)`) and hooks' variables set in before() are not seen
      // by the narrowing this rule relies on.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
);
