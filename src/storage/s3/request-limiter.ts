/**
 * Bounds the requests in flight. The SDK's connection timeout runs while a request
 * waits for a free socket, so an engine issuing hundreds of puts at once would see
 * them time out in the queue; here they wait before the SDK starts any clock.
 */
export class RequestLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next !== undefined) next();
      else this.active--;
    }
  }
}
