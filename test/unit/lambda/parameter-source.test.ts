import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssmParameterSource } from '../../../src/lambda/parameter-source.js';

// A local HTTP server speaking SSM's JSON protocol for GetParameters, so the real
// SDK client signs and sends a real request.
const held: Record<string, string> = { '/car/id': 'AKID-value', '/car/key': 'KEY-value' };
const seen: { target?: string; body: Record<string, unknown> }[] = [];
let server: Server;
let endpoint: string;

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
};

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const body = await readBody(request);
    seen.push({ target: request.headers['x-amz-target'] as string, body });
    const names = body.Names as string[];
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    response.end(
      JSON.stringify({
        Parameters: names
          .filter((name) => name in held)
          .map((name) => ({ Name: name, Type: 'SecureString', Value: held[name] })),
        InvalidParameters: names.filter((name) => !(name in held)),
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

describe('Function: ssmParameterSource', () => {
  it('asks GetParameters with decryption and returns values by name', async () => {
    const source = ssmParameterSource({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    expect(await source(['/car/id', '/car/key', '/car/nope'])).toEqual({
      values: { '/car/id': 'AKID-value', '/car/key': 'KEY-value' },
      missing: ['/car/nope'],
    });
    expect(seen.at(-1)).toEqual({
      target: 'AmazonSSM.GetParameters',
      body: { Names: ['/car/id', '/car/key', '/car/nope'], WithDecryption: true },
    });
  });
});
