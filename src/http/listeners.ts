import http from 'node:http';
import type { Socket } from 'node:net';
import type { Listener, Zone } from '../core/zones.ts';

const ZONE = Symbol('lienthong.zone');
type TaggedSocket = Socket & { [ZONE]?: Zone };

/** Every connection accepted by `server` belongs to `zone`. The tag is set by the listener, never by a header. */
export function tagZone(server: http.Server, zone: Zone): void {
  server.on('connection', (socket: TaggedSocket) => {
    socket[ZONE] = zone;
  });
}

/** The zone of the listener a request arrived on; requests not from a listener (inject) are `internet`, the least trusted. */
export function zoneOf(socket: Socket | undefined): Zone {
  return (socket as TaggedSocket | undefined)?.[ZONE] ?? 'internet';
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Builds the primary server for Fastify and keeps its handler so more listeners can share it. */
export function zoneServers(options: http.ServerOptions = {}) {
  let handler: Handler | undefined;
  const extra: http.Server[] = [];
  return {
    serverFactory(h: Handler): http.Server {
      handler = h;
      return http.createServer(options, h);
    },
    /** Another listener on the same application (same routes, hooks and state), tagged with its zone. */
    async listen(l: Listener): Promise<http.Server> {
      if (!handler) throw new Error('server not built');
      const server = http.createServer(options, handler);
      tagZone(server, l.zone);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(l.port, l.host, () => resolve());
      });
      extra.push(server);
      return server;
    },
    async close(): Promise<void> {
      await Promise.all(
        extra.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      extra.length = 0;
    },
  };
}

export type ZoneServers = ReturnType<typeof zoneServers>;
