// ESLint flat config: typescript-eslint's recommended rules over every TypeScript file, and the
// layering of shared/ (below).
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/**
 * The layers of shared/, lowest first: a folder may import folders of lower layers only (and,
 * in the domain layer, its peers). So the plumbing never depends on a use of it: events/ knows
 * nothing of http/ or of the read models, and no bundle drags in more than its own layer needs.
 * The one exception is the event envelope's data, a person: events/ may import people/schema.
 */
const LAYERS = [
  ['logging', 'validation'],
  ['secrets'],
  ['config'],
  ['runtime'],
  ['db'],
  ['http', 'events'],
  ['people', 'import', 'stats', 'audit', 'health'],
  ['deploy'],
  ['local'],
];
const PEERS_MAY_IMPORT = new Set(['people', 'import', 'stats', 'audit', 'health']);
const EXCEPTIONS = { events: { people: '!../people/schema' } };

function layering() {
  return LAYERS.flatMap((layer, index) =>
    layer.map((folder) => {
      const above = LAYERS.slice(index + 1).flat();
      const peers = PEERS_MAY_IMPORT.has(folder) ? [] : layer.filter((f) => f !== folder);
      const forbidden = [...above, ...peers];
      return {
        files: [`shared/${folder}/**/*.ts`],
        ignores: ['shared/runtime/testing.ts'],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                ...(forbidden.length === 0
                  ? []
                  : [
                      {
                        group: [
                          // (gitignore semantics: a file inside an excluded folder cannot be re-included)
                          ...forbidden.flatMap((f) =>
                            EXCEPTIONS[folder]?.[f]
                              ? [`../${f}/*`, EXCEPTIONS[folder][f]]
                              : [`../${f}`, `../${f}/*`],
                          ),
                        ],
                        message: `shared/${folder} sits below the folder imported here (see LAYERS in eslint.config.js).`,
                      },
                    ]),
                {
                  group: ['**/runtime/testing'],
                  message: 'The testing entry point is for tests only.',
                },
              ],
            },
          ],
        },
      };
    }),
  );
}

module.exports = tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '.data/',
      'terraform/',
      'bench/results/',
      '.stryker-tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  ...layering(),
  {
    // A function is wiring for one deployable bundle: never the local stack (it would be
    // deployed), the registry of every function, or the testing entry point.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/shared/local',
                '**/shared/local/*',
                '**/shared/deploy',
                '**/shared/deploy/*',
              ],
              message: 'functions/ must not import the local stack or the function registry.',
            },
            {
              group: ['**/runtime/testing'],
              message: 'The testing entry point is for tests only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
