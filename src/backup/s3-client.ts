/**
 * An S3 client from the standard AWS chain (AWS_* environment, ~/.aws/config and credentials,
 * AWS_PROFILE, instance roles), plus the two things S3-compatible stores need: an endpoint
 * (also AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, read by the SDK itself) and path-style
 * addressing (http://host/bucket/key instead of http://bucket.host/key).
 */
import type { S3Client } from '@aws-sdk/client-s3';

export interface S3Options {
  /** http(s)://host:port of an S3-compatible store; default: the AWS chain's */
  endpoint?: string;
  /** path-style addressing; default RUNBOOK_S3_PATH_STYLE=true|false, else virtual-hosted */
  pathStyle?: boolean;
  region?: string;
}

function envFlag(name: string): boolean | undefined {
  const v = process.env[name]?.trim().toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (['1', 'true', 'yes'].includes(v)) return true;
  if (['0', 'false', 'no'].includes(v)) return false;
  throw new Error(`${name}=${process.env[name]} is not true or false`);
}

export async function s3Client(opts: S3Options = {}): Promise<S3Client> {
  // the SDK warns on every start on Node 20 that its releases from 2027 need Node 22: a notice
  // for whoever upgrades the SDK here (README, dependencies), not for the operator of a backup
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3Client } = await import('@aws-sdk/client-s3');
  const endpoint = opts.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
    throw new Error(`S3 endpoint "${endpoint}" is not http(s)://host[:port]`);
  }
  const region = opts.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined);
  return new S3Client({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    forcePathStyle: opts.pathStyle ?? envFlag('RUNBOOK_S3_PATH_STYLE') ?? false,
    // S3-compatible stores vary in support for the flexible checksums the SDK now sends by
    // default (aws-chunked bodies with trailers); the sha256 in each backup's metadata is what
    // proves its integrity, so only send checksums where the API requires them
    ...(endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
  });
}

/** an S3 error as one line: its code and message, without the SDK's request metadata */
export function s3ErrorText(e: unknown): string {
  const err = e as { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const code = err.Code ?? err.name ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`;
}
