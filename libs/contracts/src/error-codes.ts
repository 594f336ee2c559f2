/**
 * Domain error codes. Services throw DomainError with one of these; the API's exception
 * filter maps each code to an HTTP status, so no code path invents its own status.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  MODEL_FORMAT_UNKNOWN: 415,
  MODEL_TRUNCATED: 422,
  MODEL_INVALID: 422,
  MODEL_TOO_LARGE: 413,
  /** A zipped .mlpackage with a bomb, a traversal path, a link or too many entries: refused before anything is stored. */
  MODEL_ARCHIVE_UNSAFE: 422,
  /** The model crosses a parsing bound (node count, nesting, work per byte, inspector memory or time): details name the limit. */
  MODEL_LIMIT_EXCEEDED: 422,
  /** A benchmark's inputs would need more memory than the configured limit or the device's RAM: details give the numbers. */
  INPUT_TOO_LARGE: 422,
  /** options.inputs does not fit the model's declared inputs (an unknown name, a value count, a dtype): details name the input. */
  INPUT_SPEC_MISMATCH: 422,
  /** An uploaded tensor that is neither a readable .npy nor an ONNX TensorProto, or whose data does not fill its shape. */
  TENSOR_INVALID: 422,
  TENSOR_TOO_LARGE: 413,
  TENSOR_NOT_FOUND: 404,
  CALIBRATION_SET_NOT_FOUND: 404,
  /** A calibration set that does not fit the artifact's input (name, shape): details name both. */
  CALIBRATION_SET_MISMATCH: 422,
  MODEL_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  NO_MATCHING_DEVICE: 422,
  /** Every targeted device is unauthorized or offline: nothing may be queued on it. */
  DEVICE_UNAVAILABLE: 409,
  FRAMEWORK_UNSUPPORTED: 422,
  /** A cell whose verdict is not_runnable (an op the engine lacks): details name the artifact, engine and ops; "tryAnyway" queues it. */
  FRAMEWORK_CANNOT_RUN: 422,
  DYNAMIC_SHAPE_UNRESOLVED: 422,
  RUN_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  RESULT_NOT_FOUND: 404,
  AGENT_UNAUTHORIZED: 401,
  /** The agent's credential was revoked by an admin: enrolling again needs the bootstrap token. */
  AGENT_CREDENTIAL_REVOKED: 401,
  /** No API key on a request that needs one. */
  API_KEY_REQUIRED: 401,
  /** An API key that is unknown or revoked. */
  API_KEY_INVALID: 401,
  /** A valid API key without the scope this endpoint needs. */
  API_KEY_SCOPE: 403,
  API_KEY_NOT_FOUND: 404,
  /** A state-changing request from a web page of another origin (Origin / Sec-Fetch-Site). */
  CROSS_SITE_REQUEST: 403,
  /** Too many uploads or run creations in the rate-limit window. */
  RATE_LIMITED: 429,
  /** The benchmark matrix expands to more jobs than MAX_JOBS_PER_REQUEST. */
  TOO_MANY_JOBS: 422,
  AGENT_NOT_FOUND: 404,
  /** A result whose device or framework is not its job's. */
  RESULT_MISMATCH: 422,
  ARTIFACT_NOT_FOUND: 404,
  JOB_STATE_CONFLICT: 409,
  SERVICE_UNAVAILABLE: 503,
  /** The artifact store's disk is full (or a file-size limit is reached): nothing was stored; free space and send it again. */
  STORAGE_FULL: 507,
  /** Engine failures, one code per class (engine-errors.ts): the engine refused the model. */
  RUNNER_MODEL_REJECTED: 422,
  /** The engine refused the inputs it was fed (a shape, a dtype, a value that sends the graph down a failing path). */
  RUNNER_INVALID_INPUT: 422,
  /** The model or its inputs need more memory than the runner may use: the same on every attempt. */
  RUNNER_OUT_OF_MEMORY: 422,
  /** The engine process died or failed without a reason it could name: retried. */
  RUNNER_CRASHED: 500,
  /** The run went over the job timeout: retried. */
  RUNNER_TIMEOUT: 504,
  /** A failure around the engine (an artifact fetch, an unreadable report): retried. */
  RUNNER_FAILED: 500,
  RUNNER_UNAVAILABLE: 503,
  CONVERSION_NOT_FOUND: 404,
  /** The inputs a conversion would allocate for calibration exceed MAX_CALIBRATION_MB. */
  CALIBRATION_TOO_LARGE: 422,
  /** Stored on a conversion (and its waiting jobs) that ended badly; never an HTTP answer of its own. */
  CONVERSION_FAILED: 422,
  CONVERSION_OUT_OF_MEMORY: 422,
  CONVERSION_TIMEOUT: 422,
  CONVERSION_CRASHED: 500,
  SUITE_NOT_FOUND: 404,
  /** A suite name already taken. */
  SUITE_EXISTS: 409,
  /** A cron pattern or time zone the scheduler cannot read. */
  SCHEDULE_INVALID: 400,
  /** A suite names a model slug or version that does not exist. */
  MODEL_VERSION_NOT_FOUND: 404,
  REGRESSION_NOT_FOUND: 404,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * A write that failed for want of room rather than for its content: the disk is full (ENOSPC),
 * a quota is reached (EDQUOT) or the process's file-size limit is (EFBIG, RLIMIT_FSIZE). The same
 * write succeeds once space is back, so the caller refuses or holds, and never half-stores.
 */
export function isStorageFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}
