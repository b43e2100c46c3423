export { startRedisServer, freePort, redisServerBinary, type RedisServer } from './real/redis-server';
export { RealDisk } from './real/real-disk';
export { RealNode, type RealNodeOptions } from './real/real-env';
export { TcpTransport, type Address, type TransportOptions } from './real/tcp-transport';
export { FrameDecoder, encodeFrame, MAX_FRAME_BYTES } from './real/frames';
export { serveNode, parseAddress, parsePeers, type ServeOptions, type ServedNode } from './real/serve-node';
