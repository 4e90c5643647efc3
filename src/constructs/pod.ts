/**
 * The hardened pod template shared by every backup and restore workload
 * (restricted Pod Security Standard) is a shape: src/shapes/pod.ts, with the
 * backup pod (backup.ts), the restore pod (restore.ts) and the containers of
 * the companion image (companion.ts). The pod spec is plain Kubernetes JSON:
 * the user's pass-through fragments (affinity, tolerations, security
 * contexts, extra env, volumes and mounts) must reach the manifest unchanged,
 * which the `k8s` L1 classes cannot guarantee.
 */
export {
  ENV_NAMES,
  HANDOFF_DIR,
  HANDOFF_SIZE_LIMIT,
  HOME_DIR,
  HOME_SIZE_LIMIT,
  KEY_FILE_MODE,
  KEYS_DIR,
  keyFilePath,
  RESTART_POLICY,
  TMP_DIR,
  TMP_MOUNT,
  VOLUME_NAMES,
} from '../shapes/pod';
export { ARCHIVE_URI_FILE } from '../shapes/companion';
export { IMAGE_ENTRYPOINT } from '../shapes/restore';
