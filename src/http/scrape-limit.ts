// --web.max-requests: how many scrapes of the telemetry path are served at once. Past it a scrape is answered 503
// at once, as node_exporter's promhttp handler answers it (HandlerOpts.MaxRequestsInFlight), rather than queued:
// scrapes piling up behind a slow one is how an exporter runs out of memory, and a scraper retries at its next
// interval anyway.

/** What a place is held by: a response, which says when it is out ('finish') or its connection gone ('close'). */
export interface Response {
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

export class ScrapeLimit {
  private inFlight = 0;

  /** `max` 0 is no limit. `onRefused` is told of each scrape refused (the exporter counts them). */
  constructor(
    readonly max: number,
    private readonly onRefused: () => void = () => undefined,
  ) {}

  /** Scrapes holding a place now. */
  get current(): number {
    return this.inFlight;
  }

  /**
   * Takes a place for this response until its last byte is handed to the kernel or its connection is gone, whichever
   * is first: a client that reads slowly holds its place, as the goroutine writing to it would in Go. False, and
   * counted, when none is free.
   */
  enter(response: Response): boolean {
    if (this.max > 0 && this.inFlight >= this.max) {
      this.onRefused();
      return false;
    }
    this.inFlight++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.inFlight--;
    };
    response.once('finish', leave);
    response.once('close', leave);
    return true;
  }

  /** The body of a refusal, word for word promhttp's, which is what operators search for. */
  refusal(): string {
    return `Limit of concurrent requests reached (${this.max}), try again later.\n`;
  }
}
