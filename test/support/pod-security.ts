/**
 * The Kubernetes Pod Security Standards, "restricted" profile (version
 * `latest`, i.e. Kubernetes 1.34), as the Pod Security admission controller
 * applies it to a pod spec: every baseline control plus the restricted ones.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 *
 * `restrictedViolations` returns one line per violation; an empty list means
 * the pod would be admitted in a namespace labelled
 * `pod-security.kubernetes.io/enforce: restricted`.
 */

import type { KubeObject } from './synth';

type Obj = KubeObject;

/** Volume sources the restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Sysctls of the baseline "safe" set. */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];

/** SELinux types the baseline profile allows (besides unset or empty). */
export const ALLOWED_SELINUX_TYPES = ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

interface NamedContainer {
  readonly path: string;
  readonly c: Obj;
}

function containersOf(spec: Obj): NamedContainer[] {
  const out: NamedContainer[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const items: unknown = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((c: Obj, i) => out.push({ path: `${list}[${i}] (${c?.name ?? '?'})`, c: c ?? {} }));
  }
  return out;
}

function checkSeLinux(options: Obj | undefined, where: string, v: string[]): void {
  if (!options) return;
  if (options.type !== undefined && options.type !== '' && !ALLOWED_SELINUX_TYPES.includes(options.type)) {
    v.push(`${where}.seLinuxOptions.type "${options.type}" is not allowed (use ${ALLOWED_SELINUX_TYPES.join(', ')})`);
  }
  for (const key of ['user', 'role']) {
    if (options[key] !== undefined && options[key] !== '') v.push(`${where}.seLinuxOptions.${key} must not be set`);
  }
}

function checkAppArmor(profile: Obj | undefined, where: string, v: string[]): void {
  if (!profile || profile.type === undefined) return;
  if (profile.type !== 'RuntimeDefault' && profile.type !== 'Localhost') {
    v.push(`${where}.appArmorProfile.type "${profile.type}" is not allowed (RuntimeDefault or Localhost)`);
  }
}

function checkSeccompNotUnconfined(profile: Obj | undefined, where: string, v: string[]): void {
  if (profile?.type === 'Unconfined') v.push(`${where}.seccompProfile.type must not be Unconfined`);
}

function hostOfHandler(handler: Obj | undefined): string | undefined {
  if (!handler) return undefined;
  return handler.httpGet?.host || handler.tcpSocket?.host || undefined;
}

/** Violations of the baseline profile. */
export function baselineViolations(spec: Obj, annotations: Record<string, string> = {}): string[] {
  const v: string[] = [];
  const podSc: Obj = spec.securityContext ?? {};
  const containers = containersOf(spec);

  // Host namespaces.
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[key] === true) v.push(`spec.${key} must not be true`);
  }
  // HostProcess (Windows).
  if (podSc.windowsOptions?.hostProcess === true) v.push('spec.securityContext.windowsOptions.hostProcess must not be true');
  for (const { path, c } of containers) {
    if (c.securityContext?.windowsOptions?.hostProcess === true) v.push(`${path}.securityContext.windowsOptions.hostProcess must not be true`);
  }
  // Privileged containers.
  for (const { path, c } of containers) {
    if (c.securityContext?.privileged === true) v.push(`${path}.securityContext.privileged must not be true`);
  }
  // HostPath volumes.
  (spec.volumes ?? []).forEach((vol: Obj, i: number) => {
    if (vol?.hostPath !== undefined) v.push(`volumes[${i}] (${vol.name}) must not be a hostPath volume`);
  });
  // Host ports.
  for (const { path, c } of containers) {
    (c.ports ?? []).forEach((port: Obj, i: number) => {
      if (port?.hostPort !== undefined && port.hostPort !== 0) v.push(`${path}.ports[${i}].hostPort must not be set`);
    });
  }
  // Host probes and lifecycle hooks.
  for (const { path, c } of containers) {
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (hostOfHandler(c[probe])) v.push(`${path}.${probe} must not set a host`);
    }
    for (const hook of ['postStart', 'preStop']) {
      if (hostOfHandler(c.lifecycle?.[hook])) v.push(`${path}.lifecycle.${hook} must not set a host`);
    }
  }
  // AppArmor.
  checkAppArmor(podSc.appArmorProfile, 'spec.securityContext', v);
  for (const { path, c } of containers) checkAppArmor(c.securityContext?.appArmorProfile, `${path}.securityContext`, v);
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(APPARMOR_ANNOTATION_PREFIX) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      v.push(`annotation ${key}="${value}" is not allowed (runtime/default or localhost/*)`);
    }
  }
  // SELinux.
  checkSeLinux(podSc.seLinuxOptions, 'spec.securityContext', v);
  for (const { path, c } of containers) checkSeLinux(c.securityContext?.seLinuxOptions, `${path}.securityContext`, v);
  // /proc mount type.
  for (const { path, c } of containers) {
    const procMount = c.securityContext?.procMount;
    if (procMount !== undefined && procMount !== 'Default') v.push(`${path}.securityContext.procMount must be Default, not ${procMount}`);
  }
  // Seccomp: never Unconfined.
  checkSeccompNotUnconfined(podSc.seccompProfile, 'spec.securityContext', v);
  for (const { path, c } of containers) checkSeccompNotUnconfined(c.securityContext?.seccompProfile, `${path}.securityContext`, v);
  // Sysctls.
  for (const sysctl of podSc.sysctls ?? []) {
    if (!SAFE_SYSCTLS.includes(sysctl?.name)) v.push(`sysctl ${sysctl?.name} is not in the safe set`);
  }
  // Capabilities (baseline set; the restricted check below is stricter).
  const baselineCaps = [
    'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID',
    'SETPCAP', 'SETUID', 'SYS_CHROOT',
  ];
  for (const { path, c } of containers) {
    for (const cap of c.securityContext?.capabilities?.add ?? []) {
      if (!baselineCaps.includes(cap)) v.push(`${path}.securityContext.capabilities.add ${cap} is not allowed`);
    }
  }
  return v;
}

/**
 * Violations of the restricted profile (baseline included), one line each.
 * @param spec a pod spec
 * @param annotations the pod's annotations (for the AppArmor annotations)
 */
export function restrictedViolations(spec: Obj, annotations: Record<string, string> = {}): string[] {
  const v = baselineViolations(spec, annotations);
  const podSc: Obj = spec.securityContext ?? {};
  const containers = containersOf(spec);
  // Linux-only controls do not apply to pods that declare a Windows OS.
  const windows = spec.os?.name === 'windows';

  // Volume types.
  (spec.volumes ?? []).forEach((vol: Obj, i: number) => {
    const sources = Object.keys(vol ?? {}).filter((k) => k !== 'name');
    for (const source of sources) {
      if (!RESTRICTED_VOLUME_TYPES.includes(source)) v.push(`volumes[${i}] (${vol.name}) has a ${source} volume, not allowed`);
    }
  });

  for (const { path, c } of containers) {
    const sc: Obj = c.securityContext ?? {};
    // Privilege escalation.
    if (!windows && sc.allowPrivilegeEscalation !== false) v.push(`${path}.securityContext.allowPrivilegeEscalation must be false`);
    // Running as non-root.
    if (sc.runAsNonRoot === false) v.push(`${path}.securityContext.runAsNonRoot must not be false`);
    else if (podSc.runAsNonRoot !== true && podSc.runAsNonRoot !== false && sc.runAsNonRoot !== true) {
      v.push(`${path}: runAsNonRoot must be true (in the pod or the container securityContext)`);
    }
    // Running as non-root user.
    if (sc.runAsUser === 0) v.push(`${path}.securityContext.runAsUser must not be 0`);
    // Seccomp.
    if (!windows) {
      const type = sc.seccompProfile?.type;
      if (type === undefined) {
        if (!['RuntimeDefault', 'Localhost'].includes(podSc.seccompProfile?.type)) {
          v.push(`${path}: seccompProfile.type must be RuntimeDefault or Localhost (in the pod or the container securityContext)`);
        }
      } else if (!['RuntimeDefault', 'Localhost'].includes(type)) {
        v.push(`${path}.securityContext.seccompProfile.type must be RuntimeDefault or Localhost, not ${type}`);
      }
    }
    // Capabilities.
    if (!windows) {
      const caps: Obj = sc.capabilities ?? {};
      if (!(caps.drop ?? []).includes('ALL')) v.push(`${path}.securityContext.capabilities.drop must include ALL`);
      for (const cap of caps.add ?? []) {
        if (cap !== 'NET_BIND_SERVICE') v.push(`${path}.securityContext.capabilities.add may only hold NET_BIND_SERVICE, not ${cap}`);
      }
    }
  }
  if (podSc.runAsUser === 0) v.push('spec.securityContext.runAsUser must not be 0');
  if (podSc.runAsNonRoot === false) v.push('spec.securityContext.runAsNonRoot must not be false');
  return v;
}
