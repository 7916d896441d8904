import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PredictionClient, ServerResponseError } from '../../src/prediction/client.js';
import { SseParser, supportsSse } from '../../src/prediction/sse.js';

describe('SseParser', () => {
  it('parses events split anywhere, with comments, CRLF and multi-line data', () => {
    const text = ': hello\r\nevent: start\r\ndata: {"id":"a"}\r\n\r\nevent: output\ndata: {"chunk":"x",\ndata: "index":0}\n\ndata: plain\n\n';
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
      expect(events).toEqual([
        { event: 'start', data: '{"id":"a"}' },
        { event: 'output', data: '{"chunk":"x",\n"index":0}' },
        { event: 'message', data: 'plain' },
      ]);
    }
  });

  it('ignores blocks without data and keeps ids', () => {
    const parser = new SseParser();
    expect(parser.push('event: ping\n\nid: 7\nevent: log\ndata:x\n\n')).toEqual([{ event: 'log', data: 'x', id: '7' }]);
  });

  it('reads x-cog-streaming from the schema', () => {
    expect(supportsSse({ paths: { '/predictions': { post: { 'x-cog-streaming': true } } } })).toBe(true);
    expect(supportsSse({ paths: { '/predictions': { post: {} } } })).toBe(false);
    expect(supportsSse(undefined)).toBe(false);
  });
});

describe('PredictionClient.predictStream', () => {
  let server: Server;
  let url: string;
  let release: () => void = () => undefined;
  let pending: ServerResponse | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url === '/predictions/plain') {
        res.writeHead(406, { 'content-type': 'application/json' });
        res.end('{"detail":"Not Acceptable"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: start\ndata: {"id":"s","status":"processing"}\n\nevent: output\ndata: {"chunk":"one","index":0}\n\n');
      pending = res;
      release = () => res.end('event: output\ndata: {"chunk":"two","index":1}\n\nevent: completed\ndata: {"id":"s","status":"succeeded","output":["one","two"]}\n\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    pending?.destroy();
    await new Promise((r) => server.close(r));
  });

  it('hands each event over as it arrives and resolves to the completed prediction', async () => {
    const client = new PredictionClient(url);
    const seen: string[] = [];
    let firstBeforeEnd = false;
    const done = client.predictStream('predictions', 's', { input: {} }, (event, payload) => {
      seen.push(`${event.event}:${JSON.stringify(payload)}`);
      if (event.event === 'output' && seen.length === 2) {
        firstBeforeEnd = true;
        release();
      }
    });
    const prediction = await done;
    await client.close();
    expect(firstBeforeEnd).toBe(true);
    expect(prediction).toEqual({ id: 's', status: 'succeeded', output: ['one', 'two'] });
    expect(seen.map((s) => s.split(':')[0])).toEqual(['start', 'output', 'output', 'completed']);
  });

  it('a 406 (the predictor does not stream) is a ServerResponseError the caller can fall back on', async () => {
    const client = new PredictionClient(url);
    const err = await client.predictStream('predictions', 'plain', { input: {} }, () => undefined).catch((e: unknown) => e);
    await client.close();
    expect(err).toBeInstanceOf(ServerResponseError);
    expect((err as ServerResponseError).statusCode).toBe(406);
  });
});
