import { coalesceWithDefaults, getPath, isPlainObject, mergeUserValues, setPath, Values } from '../../src/model/merge';
import { mergedValues } from '../../src/model/resolve';
import { defaultValues } from '../../src/model/schema';

describe('coalesceWithDefaults (user values over chart defaults, as Helm does)', () => {
  const defaults = (): Values => ({
    name: 'chart',
    replicas: 1,
    labels: { app: 'x', tier: 'backend' },
    list: ['a', 'b'],
    nested: { deep: { keep: true, drop: 'me' } },
    empty: {},
  });

  test('no user values: a copy of the defaults', () => {
    const d = defaults();
    const out = coalesceWithDefaults({}, d);
    expect(out).toEqual(defaults());
    expect(out.labels).not.toBe(d.labels);
  });

  test('a user scalar replaces the default', () => {
    expect(coalesceWithDefaults({ replicas: 3 }, defaults()).replicas).toBe(3);
  });

  test('maps merge key by key', () => {
    const out = coalesceWithDefaults({ labels: { team: 'infra', tier: 'db' } }, defaults());
    expect(out.labels).toEqual({ app: 'x', tier: 'db', team: 'infra' });
  });

  test('maps merge at any depth', () => {
    const out = coalesceWithDefaults({ nested: { deep: { extra: 1 } } }, defaults());
    expect(out.nested).toEqual({ deep: { keep: true, drop: 'me', extra: 1 } });
  });

  test('lists are replaced, not merged', () => {
    expect(coalesceWithDefaults({ list: ['c'] }, defaults()).list).toEqual(['c']);
    expect(coalesceWithDefaults({ list: [] }, defaults()).list).toEqual([]);
  });

  test('a user null removes a default key', () => {
    const out = coalesceWithDefaults({ name: null, labels: { tier: null } }, defaults());
    expect(out).not.toHaveProperty('name');
    expect(out.labels).toEqual({ app: 'x' });
  });

  test('a user null removes a whole default map', () => {
    const out = coalesceWithDefaults({ nested: null }, defaults());
    expect(out).not.toHaveProperty('nested');
  });

  test('a user null for a key without a default is kept', () => {
    expect(coalesceWithDefaults({ other: null }, defaults())).toHaveProperty('other', null);
  });

  test('user keys without a default are kept', () => {
    expect(coalesceWithDefaults({ extra: { a: 1 } }, defaults()).extra).toEqual({ a: 1 });
  });

  test('a user scalar replaces a default map, and a user map replaces a default scalar', () => {
    const out = coalesceWithDefaults({ labels: 'none', name: { first: 'a' } }, defaults());
    expect(out.labels).toBe('none');
    expect(out.name).toEqual({ first: 'a' });
  });

  test('the inputs are not modified', () => {
    const user = { labels: { team: 'infra' }, name: null };
    const d = defaults();
    coalesceWithDefaults(user, d);
    expect(user).toEqual({ labels: { team: 'infra' }, name: null });
    expect(d).toEqual(defaults());
  });
});

describe('mergedValues (user values over the chart defaults)', () => {
  test('empty user values give the defaults', () => {
    expect(mergedValues({})).toEqual(defaultValues());
  });

  test('resource maps merge with the defaults', () => {
    const merged = mergedValues({ resources: { requests: { cpu: '500m' } } });
    expect(getPath(merged, 'resources.requests')).toEqual({ cpu: '500m', memory: '256Mi' });
    // No limits by default, as in OpsMill's chart: requests alone stay requests alone.
    expect(getPath(merged, 'resources.limits')).toEqual({});
  });

  test('a null removes a default resource', () => {
    expect(getPath(mergedValues({ resources: { requests: { cpu: null } } }), 'resources.requests')).toEqual({ memory: '256Mi' });
  });

  test('a list replaces the default list', () => {
    const merged = mergedValues({ backup: { storage: { local: { persistence: { accessModes: ['ReadWriteMany'] } } } } });
    expect(getPath(merged, 'backup.storage.local.persistence.accessModes')).toEqual(['ReadWriteMany']);
  });

  test('the security context defaults merge key by key', () => {
    const merged = mergedValues({ securityContext: { readOnlyRootFilesystem: false } });
    expect(getPath(merged, 'securityContext')).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
});

describe('mergeUserValues (-f a.yaml -f b.yaml, then --set)', () => {
  test('a later document wins for scalars', () => {
    expect(mergeUserValues({ a: 1, b: 2 }, { b: 3 })).toEqual({ a: 1, b: 3 });
  });

  test('maps merge deeply', () => {
    const out = mergeUserValues(
      { backup: { enabled: true, storage: { s3: { bucket: 'one', prefix: 'p' } } } },
      { backup: { storage: { s3: { bucket: 'two' } } } },
    );
    expect(out).toEqual({ backup: { enabled: true, storage: { s3: { bucket: 'two', prefix: 'p' } } } });
  });

  test('lists are replaced', () => {
    expect(mergeUserValues({ l: [1, 2, 3] }, { l: [4] })).toEqual({ l: [4] });
  });

  test('a later null is kept, so that it can remove a chart default', () => {
    const out = mergeUserValues({ resources: { limits: { memory: '2Gi' } } }, { resources: { limits: null } });
    expect(out).toEqual({ resources: { limits: null } });
    expect(getPath(mergedValues(out), 'resources')).toEqual({ requests: { cpu: '100m', memory: '256Mi' } });
  });

  test('a later map replaces an earlier scalar, and the reverse', () => {
    expect(mergeUserValues({ a: 'x', b: { c: 1 } }, { a: { y: 1 }, b: 'z' })).toEqual({ a: { y: 1 }, b: 'z' });
  });

  test('the inputs are not modified', () => {
    const base = { a: { b: 1 } };
    const override = { a: { c: 2 } };
    mergeUserValues(base, override);
    expect(base).toEqual({ a: { b: 1 } });
    expect(override).toEqual({ a: { c: 2 } });
  });

  test('three documents merge in order', () => {
    const out = [{ a: 1, m: { x: 1 } }, { a: 2, m: { y: 2 } }, { a: 3, m: { x: 3 } }].reduce<Values>((acc, v) => mergeUserValues(acc, v), {});
    expect(out).toEqual({ a: 3, m: { x: 3, y: 2 } });
  });
});

describe('path helpers', () => {
  test('isPlainObject', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject('x')).toBe(false);
  });

  test('getPath reads nested keys and stops at non-maps', () => {
    const v = { a: { b: { c: 1 } }, s: 'x' };
    expect(getPath(v, 'a.b.c')).toBe(1);
    expect(getPath(v, 'a.b')).toEqual({ c: 1 });
    expect(getPath(v, 'a.x.c')).toBeUndefined();
    expect(getPath(v, 's.length')).toBeUndefined();
  });

  test('setPath creates maps on the way and replaces non-maps', () => {
    const v: Values = { s: 'x' };
    setPath(v, 'a.b.c', 1);
    setPath(v, 's.t', 2);
    expect(v).toEqual({ a: { b: { c: 1 } }, s: { t: 2 } });
  });
});
