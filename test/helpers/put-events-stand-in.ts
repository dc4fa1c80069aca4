import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One entry of a PutEvents call, as the SDK sends it. */
export interface PutEntry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
  Time?: number;
}

export interface PutEventsStandInOptions {
  /** Fails the first attempt at this entry (by its detail's event id) with InternalFailure. */
  failFirst?: (id: string, index: number) => boolean;
}

/**
 * A local stand-in of EventBridge's PutEvents (AWS JSON 1.1 over HTTP, as the
 * SDK speaks it): records every call and answers per entry like the service.
 */
export class PutEventsStandIn {
  readonly calls: { target: string; authorization: string; entries: PutEntry[] }[] = [];
  readonly accepted: PutEntry[] = [];
  private readonly tries = new Map<string, number>();
  private server: Server | undefined;
  endpoint = '';

  constructor(private readonly options: PutEventsStandInOptions = {}) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: PutEntry[] };
        this.calls.push({
          target: String(req.headers['x-amz-target']),
          authorization: String(req.headers.authorization ?? ''),
          entries: body.Entries,
        });
        let failed = 0;
        const results = body.Entries.map((entry) => {
          const id = (JSON.parse(entry.Detail) as { id: string }).id;
          const tries = (this.tries.get(id) ?? 0) + 1;
          this.tries.set(id, tries);
          if (tries === 1 && this.options.failFirst?.(id, this.tries.size)) {
            failed++;
            return { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' };
          }
          this.accepted.push(entry);
          return { EventId: `eb-${this.accepted.length}` };
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ Entries: results, FailedEntryCount: failed }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The detail-types of the accepted entries. */
  types(): string[] {
    return this.accepted.map((entry) => entry.DetailType);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}
