/**
 * The project's error hierarchy. Every error sets `name` and accepts a `cause`,
 * so a caller can branch on the class and a log keeps the original failure.
 */
export class ReaperError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting (environment variable or option) is missing or malformed. */
export class ConfigError extends ReaperError {
  constructor(
    /** The variable or option at fault, e.g. `CAR_QUOTA_RPS`. */
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** Input from a caller is invalid; `field` names what is wrong. */
export class ValidationError extends ReaperError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The session store (DynamoDB) failed, after the SDK's own retries. */
export class StoreError extends ReaperError {
  constructor(
    message: string,
    readonly options: { cause?: unknown; retryable?: boolean; endpoint?: string } = {},
  ) {
    super(message, { cause: options.cause });
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}

/** A conditional write found the session changed: someone else holds it now. */
export class ClaimLostError extends ReaperError {
  constructor(
    readonly userId: string,
    /** The item as it is now, when DynamoDB returned it. */
    readonly current?: unknown,
  ) {
    super(`claim on session ${JSON.stringify(userId)} was lost`);
  }
}
