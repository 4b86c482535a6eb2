/**
 * A real S3-compatible server on 127.0.0.1 for the tests: s3rver (npm, a devDependency; see
 * test/cluster/README.md), storing in a temp dir, behind a small recording proxy. The proxy lets
 * a test see which S3 requests runbook sent (an AbortMultipartUpload, for one) and hold the
 * first UploadPart until the test says so, so that an upload can be interrupted midway with
 * certainty, not by timing. s3rver checks request signatures with its own key pair, which is
 * what `env` holds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Request {
  method: string;
  url: string;
}

export interface TestS3 {
  /** http://127.0.0.1:PORT of the proxy */
  endpoint: string;
  bucket: string;
  /** AWS_* variables for a child process; RUNBOOK_S3_PATH_STYLE=true */
  env: Record<string, string>;
  requests: S3Request[];
  /** resolves at the first UploadPart request, which is held until `release()` */
  holdFirstPart(): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

export async function startTestS3(bucket = 'runbook-backups'): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 'runbook-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  const info = (await server.run()) as AddressInfo;
  const requests: S3Request[] = [];
  const upstream = new Set<http.ClientRequest>();
  let hold: { reached: () => void; released: Promise<void>; release: () => void } | undefined;
  const proxy = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const forward = () => {
      // no keep-alive: closing the server must not wait for a request cut off midway
      const up = http.request({ host: '127.0.0.1', port: info.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      upstream.add(up);
      up.on('close', () => upstream.delete(up));
      up.on('error', () => res.destroy());
      req.on('close', () => {
        if (!req.complete) up.destroy();
      });
      req.pipe(up);
    };
    if (hold && req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '')) {
      const h = hold;
      hold = undefined;
      h.reached();
      // the request body waits unread: the client blocks on it, mid-upload
      void h.released.then(forward);
      return;
    }
    forward();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  let releaseHold = () => {};
  return {
    endpoint,
    bucket,
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: endpoint,
      RUNBOOK_S3_PATH_STYLE: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    requests,
    holdFirstPart() {
      return new Promise<void>((reached) => {
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        releaseHold = release;
        hold = { reached, released, release };
      });
    },
    release: () => releaseHold(),
    async close() {
      releaseHold();
      for (const up of upstream) up.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
