// Serve mode: a headless HTTP shell over the Library for browsers (NAS, remote machines, the e2e suite). The
// calls, media and static files are the service layer's (src/main/service), shared with the desktop app.
export { createServer, DEFAULT_PORT, defaultStaticDir, type ServerOptions, type SoutuServer } from './http-server.js';
export { runServe, startServe, type RunningServe, type ServeOptions } from './serve.js';
