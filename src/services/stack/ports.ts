// Free loopback ports for a new stack: each one is bound (TCP, and UDP for DNS) and released,
// then written into the stack's configs, so later restarts reuse the same ports.
import dgram from 'node:dgram';
import net from 'node:net';

async function tcpFree(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, host, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    s.once('error', () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

/** `n` distinct free ports on `host`; with `udp`, free for UDP too (DNS serves both). */
export async function freePorts(host: string, n: number, udp = false): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < 100; tries++) {
    const p = await tcpFree(host, 0);
    if (out.includes(p)) continue;
    if (udp && !(await udpFree(host, p))) continue;
    out.push(p);
  }
  if (out.length < n) throw new Error(`could not find ${n} free ports on ${host}`);
  return out;
}
