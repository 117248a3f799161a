// Call set-up time, the daemon's share of what a caller waits for: from a call's StasisStart
// until the first ARI command for its channel is sent (continue, reject, answer, ring). The
// call handler starts the clock; the REST client's observer stops it.

export class CallSetupTimer {
  private readonly started = new Map<string, number>();

  constructor(
    private readonly observe: (command: string, seconds: number) => void,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Calls whose first command is not sent yet. */
  get size(): number {
    return this.started.size;
  }

  start(channelId: string): void {
    this.started.set(channelId, this.clock());
  }

  /** A command was sent: the first one for a started channel ends its set-up. */
  sent(command: string, channelId: string | undefined): void {
    if (channelId === undefined) return;
    const t = this.started.get(channelId);
    if (t === undefined) return;
    this.started.delete(channelId);
    this.observe(command, (this.clock() - t) / 1000);
  }

  /** The call's handling ended (with or without a command): nothing more to time. */
  forget(channelId: string): void {
    this.started.delete(channelId);
  }
}
