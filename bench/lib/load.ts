import autocannon from 'autocannon';

/**
 * One autocannon run of POST /graphql, cycling through the request bodies: the latency of each successful
 * response at full precision (autocannon's own histogram keeps whole milliseconds), and the failed ones.
 */
export async function loadGraphql(
  url: string,
  bodies: readonly string[],
  seconds: number,
  connections: number,
): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  let next = 0;
  const latencies: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/graphql`,
        connections,
        pipelining: 1,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (req) => {
              req.body = bodies[next++ % bodies.length]!;
              return req;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) latencies.push(ms);
    });
  });
  return { latencies, errors: r.errors + r.timeouts + r.non2xx, seconds };
}
