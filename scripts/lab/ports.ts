// Whether a TCP port is free for the lab's servers. Tried as the app binds (every interface) and on
// 127.0.0.1, since some systems let a wildcard bind succeed beside a program bound to loopback only.
import net from 'node:net';

export function isPortFree(port: number): Promise<boolean> {
  return tryListen(port).then((free) => (free ? tryListen(port, '127.0.0.1') : false));
}

function tryListen(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** How to find the program holding `port`, in this platform's shell. */
export function whoHoldsPort(platform: NodeJS.Platform, port: number): string {
  return platform === 'win32'
    ? `Get-Process -Id (Get-NetTCPConnection -LocalPort ${port} -State Listen).OwningProcess`
    : `lsof -nP -iTCP:${port} -sTCP:LISTEN`;
}
