/**
 * What an S3 bucket name may be: one rule for the values model (schema and
 * chart) and the S3 commands, so a bucket the chart accepts is one the
 * companion CronJobs accept.
 */

/** 3 to 255 letters, digits, dots, hyphens or underscores, starting and ending with a letter or digit. */
export const BUCKET_NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9._-]{1,253}[a-zA-Z0-9]$';

/** The rule in words, completing "must be ...". */
export const BUCKET_NAME_HINT = '3 to 255 letters, digits, dots, hyphens or underscores, starting and ending with a letter or digit';
