import net from 'node:net';
import * as jose from 'jose';

/** A fresh public JWK, as a system would register it for private_key_jwt. */
export async function publicJwk(alg: 'ES256' | 'PS256' | 'EdDSA', kid: string): Promise<jose.JWK> {
  const { publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  return { ...(await jose.exportJWK(publicKey)), kid, alg };
}

/**
 * A port free right now. The issuer URL must be known before the platform starts (it is in
 * every token and in the metadata a client checks), so the port is chosen first.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
