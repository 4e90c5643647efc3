/**
 * The restricted-profile checker itself: a compliant pod passes, and each rule
 * catches a deliberately bad pod.
 */
import { restrictedViolations, SAFE_SYSCTLS } from '../support/pod-security';
import type { KubeObject } from '../support/synth';

type Obj = KubeObject;

/** A pod that satisfies the restricted profile with the fewest fields. */
function goodPod(): Obj {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'main',
        image: 'busybox',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
    volumes: [
      { name: 'a', configMap: { name: 'cm' } },
      { name: 'b', csi: { driver: 'x' } },
      { name: 'c', downwardAPI: { items: [] } },
      { name: 'd', emptyDir: {} },
      { name: 'e', ephemeral: { volumeClaimTemplate: { spec: {} } } },
      { name: 'f', persistentVolumeClaim: { claimName: 'pvc' } },
      { name: 'g', projected: { sources: [] } },
      { name: 'h', secret: { secretName: 's' } },
    ],
  };
}

/** goodPod with a change applied to a copy. */
function bad(change: (pod: Obj) => void): Obj {
  const pod = goodPod();
  change(pod);
  return pod;
}

const container = (pod: Obj): Obj => pod.containers[0];
const sc = (pod: Obj): Obj => container(pod).securityContext;

describe('restrictedViolations', () => {
  test('a compliant pod has no violations', () => {
    expect(restrictedViolations(goodPod())).toEqual([]);
  });

  test('container-level runAsNonRoot and seccomp are enough without pod-level ones', () => {
    const pod = bad((p) => {
      delete p.securityContext;
      Object.assign(sc(p), { runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/strict.json' } });
    });
    expect(restrictedViolations(pod)).toEqual([]);
  });

  test('the allowed capability, SELinux types, sysctls, AppArmor profiles and procMount pass', () => {
    const pod = bad((p) => {
      sc(p).capabilities.add = ['NET_BIND_SERVICE'];
      sc(p).procMount = 'Default';
      sc(p).seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' };
      sc(p).appArmorProfile = { type: 'Localhost', localhostProfile: 'k8s-strict' };
      p.securityContext.appArmorProfile = { type: 'RuntimeDefault' };
      p.securityContext.sysctls = SAFE_SYSCTLS.map((name) => ({ name, value: '1' }));
      container(p).ports = [{ containerPort: 8080 }, { containerPort: 8081, hostPort: 0 }];
    });
    expect(restrictedViolations(pod, { 'container.apparmor.security.beta.kubernetes.io/main': 'runtime/default' })).toEqual([]);
  });

  // Each case breaks exactly one rule; the checker must report it (and the message must name it).
  const cases: Array<[string, (p: Obj) => void, RegExp]> = [
    ['hostNetwork', (p) => (p.hostNetwork = true), /hostNetwork/],
    ['hostPID', (p) => (p.hostPID = true), /hostPID/],
    ['hostIPC', (p) => (p.hostIPC = true), /hostIPC/],
    ['privileged container', (p) => (sc(p).privileged = true), /privileged/],
    ['Windows HostProcess', (p) => (sc(p).windowsOptions = { hostProcess: true }), /hostProcess/],
    ['capabilities not dropping ALL', (p) => (sc(p).capabilities = { drop: ['NET_RAW'] }), /drop must include ALL/],
    ['capabilities without drop', (p) => delete sc(p).capabilities, /drop must include ALL/],
    ['an added capability other than NET_BIND_SERVICE', (p) => (sc(p).capabilities.add = ['CHOWN']), /NET_BIND_SERVICE, not CHOWN/],
    ['a non-baseline added capability', (p) => (sc(p).capabilities.add = ['SYS_ADMIN']), /SYS_ADMIN/],
    ['allowPrivilegeEscalation unset', (p) => delete sc(p).allowPrivilegeEscalation, /allowPrivilegeEscalation/],
    ['allowPrivilegeEscalation true', (p) => (sc(p).allowPrivilegeEscalation = true), /allowPrivilegeEscalation/],
    ['runAsNonRoot unset everywhere', (p) => delete p.securityContext.runAsNonRoot, /runAsNonRoot must be true/],
    ['runAsNonRoot false in the container', (p) => (sc(p).runAsNonRoot = false), /runAsNonRoot must not be false/],
    ['runAsNonRoot false in the pod', (p) => Object.assign(p.securityContext, { runAsNonRoot: false }) && (sc(p).runAsNonRoot = true), /runAsNonRoot must not be false/],
    ['runAsUser 0 in the pod', (p) => (p.securityContext.runAsUser = 0), /runAsUser must not be 0/],
    ['runAsUser 0 in the container', (p) => (sc(p).runAsUser = 0), /runAsUser must not be 0/],
    ['seccomp unset everywhere', (p) => delete p.securityContext.seccompProfile, /seccompProfile.type must be RuntimeDefault or Localhost/],
    ['seccomp Unconfined in the pod', (p) => (p.securityContext.seccompProfile = { type: 'Unconfined' }), /Unconfined/],
    ['seccomp Unconfined in the container', (p) => (sc(p).seccompProfile = { type: 'Unconfined' }), /Unconfined/],
    ['a hostPath volume', (p) => p.volumes.push({ name: 'host', hostPath: { path: '/var/run' } }), /hostPath/],
    ['an nfs volume', (p) => p.volumes.push({ name: 'nfs', nfs: { server: 'nfs', path: '/' } }), /nfs volume, not allowed/],
    ['an image volume', (p) => p.volumes.push({ name: 'img', image: { reference: 'busybox' } }), /image volume, not allowed/],
    ['a hostPort', (p) => (container(p).ports = [{ containerPort: 80, hostPort: 80 }]), /hostPort/],
    ['procMount Unmasked', (p) => (sc(p).procMount = 'Unmasked'), /procMount/],
    ['an unsafe sysctl', (p) => (p.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]), /kernel.msgmax/],
    ['AppArmor Unconfined in the container', (p) => (sc(p).appArmorProfile = { type: 'Unconfined' }), /appArmorProfile/],
    ['AppArmor Unconfined in the pod', (p) => (p.securityContext.appArmorProfile = { type: 'Unconfined' }), /appArmorProfile/],
    ['an SELinux type not allowed', (p) => (sc(p).seLinuxOptions = { type: 'spc_t' }), /spc_t/],
    ['an SELinux user', (p) => (p.securityContext.seLinuxOptions = { user: 'system_u' }), /seLinuxOptions.user/],
    ['an SELinux role', (p) => (sc(p).seLinuxOptions = { role: 'system_r' }), /seLinuxOptions.role/],
    ['a probe with a host', (p) => (container(p).livenessProbe = { httpGet: { host: '10.0.0.1', port: 80 } }), /livenessProbe/],
    ['a lifecycle hook with a host', (p) => (container(p).lifecycle = { preStop: { tcpSocket: { host: 'example.com', port: 80 } } }), /preStop/],
    [
      'a bad init container',
      (p) => (p.initContainers = [{ name: 'init', image: 'busybox', securityContext: { capabilities: { drop: ['ALL'] } } }]),
      /initContainers\[0\] \(init\)\.securityContext\.allowPrivilegeEscalation/,
    ],
    ['a bad ephemeral container', (p) => (p.ephemeralContainers = [{ name: 'debug', image: 'busybox', securityContext: { privileged: true } }]), /ephemeralContainers/],
  ];

  test.each(cases)('catches %s', (_name, change, message) => {
    const violations = restrictedViolations(bad(change));
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.join('\n')).toMatch(message);
  });

  test('catches an AppArmor unconfined annotation', () => {
    const violations = restrictedViolations(goodPod(), { 'container.apparmor.security.beta.kubernetes.io/main': 'unconfined' });
    expect(violations.join('\n')).toMatch(/apparmor.*unconfined/);
  });

  test('every container is checked, not only the first', () => {
    const pod = bad((p) => p.containers.push({ name: 'sidecar', image: 'busybox', securityContext: { allowPrivilegeEscalation: false } }));
    expect(restrictedViolations(pod)).toEqual(['containers[1] (sidecar).securityContext.capabilities.drop must include ALL']);
  });

  test('a Windows pod is exempt from the Linux-only controls but not from the others', () => {
    const pod = bad((p) => {
      p.os = { name: 'windows' };
      delete p.securityContext.seccompProfile;
      delete sc(p).capabilities;
      delete sc(p).allowPrivilegeEscalation;
    });
    expect(restrictedViolations(pod)).toEqual([]);
    pod.hostNetwork = true;
    expect(restrictedViolations(pod)).toEqual(['spec.hostNetwork must not be true']);
  });
});
