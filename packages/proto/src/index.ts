/**
 * envd's Connect services, wire-compatible with E2B envd: the generated message and
 * service descriptors for `process.Process` and `filesystem.Filesystem`.
 */
export * from './gen/filesystem/filesystem_pb.js';
export * from './gen/process/process_pb.js';
