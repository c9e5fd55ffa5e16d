// Parses --web.listen-address the way Go's net.Listen reads it: host:port, [v6]:port, or :port for every interface.

export interface ListenAddress {
  /** Empty means every interface. */
  host: string;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}
