// Serve mode: a headless HTTP shell over the Library for browsers (NAS, remote machines, the e2e suite).
export { createServer, DEFAULT_PORT, type ServerOptions, type SoutuServer } from './http-server.js';
export { runServe, startServe, type RunningServe, type ServeOptions } from './serve.js';
export { createCallHandlers, type CallHandlers, type HandlerContext } from './call-handlers.js';
