/**
 * One streamed upload with @aws-sdk/lib-storage (multipart above one part, parts uploaded while
 * the stream still flows, so the whole object is never held in memory or on disk). A failed or
 * interrupted upload is aborted here, explicitly: the parts of an unfinished multipart upload
 * are never listed as an object, and aborting frees them. The first failure is what is
 * reported; an abort the store refuses is said too (a bucket lifecycle rule
 * AbortIncompleteMultipartUpload is the backstop).
 */
import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Transform, type Readable } from 'node:stream';
import { s3ErrorText } from './s3-client.js';

export const PART_SIZE = 8 * 1024 * 1024;

export interface UploadRequest {
  client: S3Client;
  bucket: string;
  key: string;
  body: Readable;
  contentType?: string;
  signal?: AbortSignal;
  log?: (msg: string) => void;
}

export async function uploadStream(req: UploadRequest): Promise<{ size: number }> {
  let size = 0;
  // counts what goes out; an error of the source ends it with that error
  const body = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      cb(null, chunk);
    },
  });
  let bodyError: Error | undefined;
  req.body.once('error', (e) => {
    bodyError = e;
    body.destroy(e);
  });
  req.body.pipe(body);
  const upload = new Upload({
    client: req.client,
    params: { Bucket: req.bucket, Key: req.key, Body: body, ContentType: req.contentType ?? 'application/octet-stream' },
    partSize: PART_SIZE,
    queueSize: 2,
    // aborted below, where its outcome can be reported
    leavePartsOnError: true,
  });
  const stop = () => void upload.abort();
  req.signal?.addEventListener('abort', stop, { once: true });
  try {
    await upload.done();
    return { size };
  } catch (e) {
    req.body.destroy();
    body.destroy();
    const uploadId = (upload as unknown as { uploadId?: string }).uploadId;
    const cause = bodyError ?? (req.signal?.aborted ? new Error('interrupted') : e);
    if (uploadId !== undefined) {
      try {
        await req.client.send(new AbortMultipartUploadCommand({ Bucket: req.bucket, Key: req.key, UploadId: uploadId }));
      } catch (abortErr) {
        req.log?.(`the unfinished multipart upload ${uploadId} of ${req.key} could not be aborted (${s3ErrorText(abortErr)}); it is not an object and is never listed, but its parts take space until a lifecycle rule removes them`);
      }
    }
    throw cause instanceof Error ? cause : new Error(s3ErrorText(cause));
  } finally {
    req.signal?.removeEventListener('abort', stop);
  }
}
