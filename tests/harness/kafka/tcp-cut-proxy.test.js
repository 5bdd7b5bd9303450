'use strict';
const net = require('node:net');
const { TcpCutProxy } = require('./tcp-cut-proxy');

let echo;
let proxy;

beforeEach(async () => {
  echo = net.createServer((s) => {
    s.on('error', () => undefined); // the proxy resets its side on a cut
    s.pipe(s);
  });
  await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = new TcpCutProxy({ target: { host: '127.0.0.1', port: echo.address().port } });
  await proxy.start();
});

afterEach(async () => {
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

/** Connects, sends `text`, resolves with the echo, or rejects with the socket error / early close. */
function roundTrip(port, text) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let got = '';
    socket.on('data', (d) => {
      got += d;
      if (got.length >= text.length) {
        socket.end();
        resolve(got);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after '${got}'`)));
    socket.write(text);
  });
}

function openConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

it('forwards bytes both ways', async () => {
  await expect(roundTrip(proxy.port, 'hello')).resolves.toBe('hello');
});

it('cut drops open connections and refuses new ones; restore accepts again on the same port', async () => {
  const open = await openConnection(proxy.port);
  const closed = new Promise((resolve) => open.on('close', resolve));
  open.on('error', () => undefined);
  const port = proxy.port;

  await proxy.cut();
  await closed;
  await expect(roundTrip(port, 'x')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

  await proxy.restore();
  expect(proxy.port).toBe(port);
  await expect(roundTrip(port, 'back')).resolves.toBe('back');
});

it("cut with newConnections 'reset' accepts and resets at once", async () => {
  await proxy.cut({ newConnections: 'reset' });
  await expect(roundTrip(proxy.port, 'x')).rejects.toThrow();
  await proxy.restore();
  await expect(roundTrip(proxy.port, 'ok')).resolves.toBe('ok');
});
