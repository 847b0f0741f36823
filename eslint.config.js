import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'graph/target/**', 'graph/data*/**', 'embeddings/**', '.cache/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The flow ingest → store → project → …: only src/store/ talks to Neo4j (test/store/boundaries.test.ts checks it too).
    files: ['src/**/*.ts', 'scripts/**/*.ts', 'scripts/**/*.js'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'neo4j-driver', message: 'neo4j-driver is imported only under src/store/ (use a store module).' }], patterns: [{ group: ['neo4j-driver/*', 'neo4j-driver-core', 'neo4j-driver-core/*'], message: 'neo4j-driver is imported only under src/store/.' }] }],
    },
  },
  {
    // Sessions are opened only by store/driver's openSession (database + the shared bookmark manager).
    files: ['src/**/*.ts'],
    ignores: ['src/store/driver.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='session'][callee.object.property.name='driver']", message: 'open sessions with openSession (store/driver.ts): it adds the bookmark manager that makes reads see earlier writes.' }],
    },
  },
);
