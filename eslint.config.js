// One linter for the whole repo. The determinism rule (ARCHITECTURE.md) is the block for sim/check/systems;
// the layering and declared-dependency rules are dslab's own (scripts/lint/dslab-plugin.mjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import dslab, { nodeBuiltins } from './scripts/lint/dslab-plugin.mjs';

const ambientGlobals = [
  { name: 'Date', message: 'Use env.now() (or world time): ambient time breaks determinism.' },
  { name: 'setTimeout', message: 'Use env.setTimer(): ambient timers break determinism.' },
  { name: 'setInterval', message: 'Use env.setTimer(): ambient timers break determinism.' },
  { name: 'setImmediate', message: 'Ambient scheduling breaks determinism.' },
  { name: 'performance', message: 'Ambient time breaks determinism.' },
  { name: 'process', message: 'Simulated code must not touch the process.' },
  { name: 'fetch', message: 'Simulated code must not touch the network.' },
];

const noNodeIo = 'sim/check/systems run in the browser and in the simulator: no Node modules (use Env).';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'packages/cli/.dist-*/**',
      'bench/results/**',
      'test-artifacts/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        self: 'readonly',
        Worker: 'readonly',
        MessageChannel: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        BigInt: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['packages/sim/src/**/*.ts', 'packages/check/src/**/*.ts', 'packages/systems/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-support/**'],
    rules: {
      'no-restricted-globals': ['error', ...ambientGlobals],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use env.random() or a seeded Rng.' },
        { object: 'Date', property: 'now', message: 'Use env.now().' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: noNodeIo })),
          patterns: [{ group: ['node:*'], message: noNodeIo }],
        },
      ],
    },
  },
  {
    // Dependencies point down the layers, and each package's package.json names what it imports.
    files: ['**/*.{ts,tsx,mts,js,mjs}'],
    plugins: { dslab },
    rules: {
      'dslab/layers': 'error',
      'dslab/declared-dependencies': 'error',
    },
  },
);
