import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Hono is the API's framework: `core/` (shared by the tasks and the API) knows nothing of HTTP. */
const noHono = {
  group: ['hono', 'hono/*', '@hono/*'],
  message: 'core/ does not know HTTP: Hono stays in api/.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.local/**', 'coverage/**'] },
  js.configs.recommended,
  // Type-aware: the recommended rules that need the types (unsafe `any` flows, unawaited or misused promises,
  // needless assertions, ...). The stylistic set is left out: it rewrites working code (`||` to `??`, ...) for taste.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Async mistakes are the bugs that hurt a workflow runtime most.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Passing a caught value on (`reject(error)` with `error: unknown`) is as fine as rethrowing it.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A deprecated API is one the next major version removes: move off it when it is deprecated.
      '@typescript-eslint/no-deprecated': 'error',
      'no-console': 'off',
    },
  },
  {
    // vitest's asymmetric matchers (`expect.any(String)`, `expect.stringMatching(...)`) are typed `any`, so every
    // object they sit in would be an "unsafe assignment"; the assertion checks the value at run time.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // A Lambda handler is async by contract, even a test task's with nothing to await.
    files: ['test/fixtures/tasks/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  // Plain JavaScript (this file): not in a tsconfig, so no type-aware rules.
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },

  // ------------------------------------------------------------------------------------------ layers
  {
    // Tasks and the API reach AWS through core/ (repositories, the mailer, the workflow starters), never directly.
    files: ['tasks/**/*.ts', 'api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*'],
              message: 'Tasks and the API use core/ (a repository, the mailer, ...), not the AWS SDK.',
            },
          ],
        },
      ],
    },
  },
  {
    // In core/, only the shared DynamoDB helpers, the clients and each domain's repository speak DynamoDB.
    files: ['core/**/*.ts'],
    ignores: ['core/db.ts', 'core/aws-clients.ts', 'core/**/repository.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb'],
              message: "DynamoDB is read and written by the domain's repository.ts (through core/db.ts).",
            },
            noHono,
          ],
        },
      ],
    },
  },
  {
    files: ['core/db.ts', 'core/aws-clients.ts', 'core/**/repository.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noHono] }] },
  },
);
