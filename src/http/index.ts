/** gaia's HTTP/1.1 layer: the server, WebSocket upgrades, and listening sockets that outlive their server. */
export { type Handler, type HttpServer, type Listen, type RequestInfo, type ServeOptions, serveHttp } from "./server.ts";
export { sizedResponse } from "./sized-response.ts";
export { upgradeWebSocket, type WebSocketHandlers, type WebSocketOptions } from "./websocket/upgrade.ts";
export type { ServerWebSocket } from "./websocket/connection.ts";
export { closeFd, createListenSocket, dupFd } from "./listen-socket.ts";
