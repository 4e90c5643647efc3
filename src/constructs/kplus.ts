/**
 * The parts of cdk8s-plus-28 the constructs use, each from its own module.
 * The package's index loads every construct it has (pods, deployments,
 * volumes, autoscalers...), about a fifth of a cold `synth`, none of which
 * this library uses. cdk8s-plus-28 declares no `exports` map: these are the
 * modules its index itself loads, and the classes are the same ones.
 */
export { ApiResource } from 'cdk8s-plus-28/lib/api-resource.generated';
export * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
export { Role } from 'cdk8s-plus-28/lib/role';
export type { IRole } from 'cdk8s-plus-28/lib/role';
export { RoleBinding } from 'cdk8s-plus-28/lib/role-binding';
export type { ISubject, SubjectConfiguration } from 'cdk8s-plus-28/lib/role-binding';
export { ServiceAccount } from 'cdk8s-plus-28/lib/service-account';
export type { IServiceAccount } from 'cdk8s-plus-28/lib/service-account';
