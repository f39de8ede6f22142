import type { AdminRole, PermissionMatrix } from '@/features/admin/api/admin-queries';

/** Role → the permission codes it holds. */
export type Grants = Record<AdminRole, string[]>;

export const RESOURCE_LABELS: Record<string, string> = {
  dashboard: 'Executive dashboard',
  production: 'Production control',
  inventory: 'Inventory and purchasing',
  finance: 'Working capital and finance',
  forecasting: 'Forecasting models',
  data: 'Data sources and imports',
  admin: 'System administration',
};

const RESOURCE_ORDER = Object.keys(RESOURCE_LABELS);

export interface ResourceGroup {
  resource: string;
  label: string;
  permissions: PermissionMatrix['permissions'];
}

/** Permissions grouped by resource, in the product's order (unknown resources last). */
export function groupByResource(permissions: PermissionMatrix['permissions']): ResourceGroup[] {
  const groups = new Map<string, ResourceGroup>();
  for (const p of permissions) {
    const group = groups.get(p.resource) ?? { resource: p.resource, label: RESOURCE_LABELS[p.resource] ?? p.resource, permissions: [] };
    group.permissions.push(p);
    groups.set(p.resource, group);
  }
  const rank = (r: string) => {
    const i = RESOURCE_ORDER.indexOf(r);
    return i === -1 ? RESOURCE_ORDER.length : i;
  };
  return [...groups.values()].sort((a, b) => rank(a.resource) - rank(b.resource) || a.resource.localeCompare(b.resource));
}

export function grantsOf(matrix: PermissionMatrix): Grants {
  const out = { ADMIN: [], MANAGER: [], OPERATOR: [], VIEWER: [] } as Grants;
  for (const r of matrix.roles) out[r.role] = [...r.permissions].sort();
  return out;
}

/** The grants with `code` switched on or off for `role`. */
export function toggle(grants: Grants, role: AdminRole, code: string, on: boolean): Grants {
  const current = new Set(grants[role]);
  if (on) current.add(code);
  else current.delete(code);
  return { ...grants, [role]: [...current].sort() };
}

/** Roles whose draft differs from the saved grants, with what was added and removed. */
export function changes(saved: Grants, draft: Grants): { role: AdminRole; added: string[]; removed: string[] }[] {
  return (Object.keys(draft) as AdminRole[])
    .map((role) => {
      const before = new Set(saved[role]);
      const after = new Set(draft[role]);
      return {
        role,
        added: [...after].filter((c) => !before.has(c)).sort(),
        removed: [...before].filter((c) => !after.has(c)).sort(),
      };
    })
    .filter((c) => c.added.length > 0 || c.removed.length > 0);
}
