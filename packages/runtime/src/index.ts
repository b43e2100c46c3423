export { startRedisServer, freePort, redisServerBinary, type RedisServer } from './real/redis-server';
export { RealDisk, type SlowDiskOp } from './real/real-disk';
export { RealNode, type RealNodeOptions } from './real/real-env';
export { TcpTransport, type Address, type TransportOptions } from './real/tcp-transport';
export { FrameDecoder, encodeFrame, MAX_FRAME_BYTES } from './real/frames';
export { serveNode, parseAddress, parsePeers, type ServeOptions, type ServedNode } from './real/serve-node';
export { KvGateway, OutcomeUnknown, type GatewayOptions } from './kv/gateway';
export { RespParser, RespProtocolError, resp } from './kv/resp';
export { startRespServer, answer as answerResp, type RespServer } from './kv/resp-server';
export { handleKvHttp } from './kv/http-routes';
export type { KvService } from './kv/service';
export type { KvOp, KvResult, KvRequest, KvResponse } from '@dslab/systems';
export { LinkProxy, type LinkFaults } from './real/proxy';
export { LocalCluster, MEMBER_NODE_FLAGS, type ClusterMember, type LaunchOptions } from './real/launcher';
export { runJepsen, lostAcknowledgedWrites, type JepsenOptions, type JepsenReport } from './jepsen/run';
export { renderJepsenHtml } from './jepsen/report';
export { nemesisKinds, type NemesisKind, type FaultWindow } from './jepsen/nemesis';
export { NatsCluster, natsServerBinary, type NatsMember, type NatsClusterOptions } from './real/nats-cluster';
export {
  runJetStreamTest,
  jetstreamMissing,
  JETSTREAM_STREAM,
  type JetStreamTestOptions,
  type JetStreamReport,
} from './jepsen/jetstream';
export { jetstreamPromises, type JetStreamPromise } from './jepsen/jetstream-promises';
export type { FaultTarget } from './jepsen/nemesis';
export {
  runWorkbench,
  validateWorkbenchOptions,
  workbenchFaults,
  type WorkbenchOptions,
  type WorkbenchResult,
  type WorkbenchFault,
  type LatencyDistribution,
} from './workbench/run';
export { workloadNames } from './workbench/workloads';
export {
  workbenchPresets,
  presetNamed,
  presetNames,
  judgeTargets,
  type WorkbenchPreset,
  type TargetOutcome,
} from './workbench/presets';
export { replayDeliveries, readDeliveriesHeader, type ReplayResult } from './workbench/replay';
export { renderWorkbenchHtml } from './workbench/report-html';
export { runRaftNode } from './workbench/raft-node';
export type { DeliveriesHeader } from './workbench/run';
export { topologies, type Topology } from './workbench/workload';
