/**
 * Nightly suites: what a suite is (models, device selector, frameworks, options, detection
 * settings, webhooks, schedule), the requests that create and run one, and the shapes the API
 * answers with. Shared by the API, the worker, the CLI and the dashboard.
 */
import { z } from 'zod';
import { InputSpecsSchema } from './input-spec.schema.js';
import { FrameworksSchema, OptionSetsSchema, TargetsSchema } from './benchmark-request.schema.js';
import { pageSchema } from './api-common.schema.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'a slug is 1-100 lower-case letters, digits, ".", "_" or "-"');

/** A model of a suite: its latest version at each night's start, or one pinned version. */
export const SuiteModelSchema = z
  .object({
    slug,
    /** Pin a version; unset: the latest version when the night starts. */
    version: z.number().int().min(1).optional(),
  })
  .strict();
export type SuiteModel = z.infer<typeof SuiteModelSchema>;

/** http(s) only: alerts go out to these, nowhere else. */
export const WebhookUrlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'a webhook URL must be http:// or https://');

/** json: the regression as JSON (RegressionAlertSchema); slack: a Slack incoming-webhook body ({ text, blocks }). */
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export const WebhookSchema = z.object({ url: WebhookUrlSchema, format: z.enum(WEBHOOK_FORMATS).default('json') }).strict();
export type Webhook = z.infer<typeof WebhookSchema>;

/** The detection rule's settings (see the README's "Detection rule"); defaults measured by bench/nightly. */
export const DetectionSettingsSchema = z
  .object({
    /** Baseline: the last K good nights of the cell (since its last confirmed change). */
    baselineNights: z.number().int().min(1).max(60).default(7),
    /** Significance level of the Mann-Whitney U test (two-sided). */
    alpha: z.number().min(1e-6).max(0.2).default(0.01),
    /** Practical threshold: a change smaller than this fraction of the baseline median is never reported. */
    minChange: z.number().min(0).max(10).default(0.03),
    /** How many times the cell's own night-to-night noise a change must exceed (when that noise is known). */
    noiseFactor: z.number().min(0).max(20).default(3),
    /** Rounds of a paired confirmation: the baseline's artifact then tonight's, this many times, back to back on the same device. */
    pairedRounds: z.number().int().min(1).max(10).default(3),
  })
  .strict();
export type DetectionSettings = z.infer<typeof DetectionSettingsSchema>;

export const SuiteSpecSchema = z
  .object({
    models: z.array(SuiteModelSchema).min(1).max(32),
    targets: TargetsSchema,
    frameworks: FrameworksSchema.optional(),
    options: OptionSetsSchema.optional(),
    /**
     * Values for named inputs, for every option set of every night (an option set's own
     * options.inputs entry for the same input wins): the benchmark request's input specs.
     */
    inputs: InputSpecsSchema.optional(),
    detection: DetectionSettingsSchema.default(DetectionSettingsSchema.parse({})),
    webhooks: z.array(WebhookSchema).max(8).default([]),
  })
  .strict();
export type SuiteSpec = z.infer<typeof SuiteSpecSchema>;

/** A cron pattern of 5 fields (minute first) or 6 (seconds first); checked by the scheduler's parser too. */
const cron = z
  .string()
  .trim()
  .regex(/^(\S+\s+){4,5}\S+$/, 'a cron pattern has 5 fields (minute hour day month weekday) or 6 (seconds first)');

export const CreateSuiteRequestSchema = z
  .object({
    name: z.string().min(1).max(200),
    spec: SuiteSpecSchema,
    schedule: z
      .object({
        cron,
        /** IANA time zone the cron is read in, e.g. Europe/Berlin. */
        timezone: z.string().min(1).max(64).default('UTC'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .meta({ id: 'CreateSuiteRequest' });
export type CreateSuiteRequest = z.infer<typeof CreateSuiteRequestSchema>;
export type CreateSuiteRequestInput = z.input<typeof CreateSuiteRequestSchema>;

export const NIGHT_KINDS = ['night', 'confirmation'] as const;
export const NIGHT_STATUSES = ['running', 'confirming', 'evaluated', 'failed'] as const;

export const SuiteNightViewSchema = z
  .object({
    id: z.string(),
    suiteId: z.string(),
    nightKey: z.string(),
    kind: z.enum(NIGHT_KINDS),
    trigger: z.string(),
    parentId: z.string().nullable(),
    status: z.enum(NIGHT_STATUSES),
    resolved: z.array(z.object({ modelId: z.string(), slug: z.string(), version: z.number(), artifactIds: z.array(z.string()) })),
    runIds: z.array(z.string()),
    error: z.string().nullable(),
    createdAt: z.string(),
    evaluatedAt: z.string().nullable(),
  })
  .meta({ id: 'SuiteNight' });
export type SuiteNightView = z.infer<typeof SuiteNightViewSchema>;

export const SuiteViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    spec: SuiteSpecSchema,
    schedule: z.object({ cron: z.string(), timezone: z.string() }).nullable(),
    createdAt: z.string(),
    // A union, not .nullable(): the generator would make the named SuiteNight component itself nullable.
    lastNight: z.union([SuiteNightViewSchema, z.null()]),
  })
  .meta({ id: 'Suite' });
export type SuiteView = z.infer<typeof SuiteViewSchema>;
export const SuitePageSchema = pageSchema(SuiteViewSchema, 'SuitePage');
