// Jest for every TypeScript and plain-ESM test tier. The project is ESM ("type": "module", NodeNext
// imports ending in .js, import.meta, top-level await), so jest runs with Node's
// --experimental-vm-modules and @swc/jest strips the types file by file. Why swc and not jest over
// tsc's dist/ or ts-jest: tsc -b stays the one build and type check (specs are type-checked by
// tsconfig.spec.json, not shipped in dist/), and swc does not depend on the TypeScript version we
// pin (~5.9), so a TypeScript upgrade cannot break the test transform. Decorator metadata is on, as
// for tsc, so Nest modules built in a test resolve their providers the same way.
// Tiers are projects: `jest --selectProjects unit|integration|e2e|infra|dashboard` (see scripts/jest.sh).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  rootDir: import.meta.dirname,
  testEnvironment: '<rootDir>/test/jest-environment.mjs',
  transform: { '^.+\\.ts$': swc },
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json', 'node'],
  // Sources import './x.js' (NodeNext); under jest that is the .ts file beside it.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Compiled copies and build outputs are never tests or test sources.
  modulePathIgnorePatterns: ['<rootDir>/.farm/', '<rootDir>/.cache/', '/build/'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

export default {
  // Real Postgres, Redis, engines and child processes: one test file at a time (2-core machines).
  maxWorkers: 1,
  verbose: true,
  // The failing tests, with their messages, again at the very end of each tier: CI keeps only the
  // tail of a long log, and that is where a reader looks first.
  reporters: [['default', { summaryThreshold: 0 }]],
  // A guard against hangs only (real engines, services and processes on a shared 2-core machine);
  // no test asserts speed. The e2e tier passes a longer one (scripts/test.sh).
  testTimeout: 600_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/device-agents'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'infra',
      roots: ['<rootDir>/test/infra'],
      testMatch: ['**/*.int-spec.mjs'],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.int-spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.e2e-spec.ts'],
    },
    {
      // Needs a running farm (FARM_API_URL); farm.e2e-spec.ts starts one and runs this project.
      ...common,
      displayName: 'dashboard',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/dashboard.e2e-spec.mjs'],
    },
  ],
};
