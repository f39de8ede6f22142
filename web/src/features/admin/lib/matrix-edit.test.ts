import { describe, expect, it } from 'vitest';
import type { PermissionMatrix } from '@/features/admin/api/admin-queries';
import { changes, grantsOf, groupByResource, toggle } from '@/features/admin/lib/matrix-edit';

const matrix: PermissionMatrix = {
  permissions: [
    { code: 'admin:read', resource: 'admin', action: 'read', description: 'See admin' },
    { code: 'dashboard:read', resource: 'dashboard', action: 'read', description: 'See overview' },
    { code: 'zeta:read', resource: 'zeta', action: 'read', description: 'Unknown area' },
    { code: 'forecasting:read', resource: 'forecasting', action: 'read', description: 'See forecasts' },
  ],
  roles: [
    { role: 'ADMIN', permissions: ['admin:read', 'dashboard:read', 'forecasting:read'] },
    { role: 'MANAGER', permissions: ['dashboard:read', 'forecasting:read'] },
    { role: 'OPERATOR', permissions: [] },
    { role: 'VIEWER', permissions: ['forecasting:read', 'dashboard:read'] },
  ],
  admin_keeps: ['admin:read'],
};

describe('matrix editing', () => {
  it('groups permissions by area in the product order, unknown areas last', () => {
    expect(groupByResource(matrix.permissions).map((g) => g.label)).toEqual([
      'Executive dashboard',
      'Forecasting models',
      'System administration',
      'zeta',
    ]);
  });

  it('reports only the roles whose permissions changed, with what was added and removed', () => {
    const saved = grantsOf(matrix);
    expect(saved.VIEWER).toEqual(['dashboard:read', 'forecasting:read']);
    let draft = toggle(saved, 'VIEWER', 'forecasting:read', false);
    draft = toggle(draft, 'OPERATOR', 'dashboard:read', true);
    expect(changes(saved, draft)).toEqual([
      { role: 'OPERATOR', added: ['dashboard:read'], removed: [] },
      { role: 'VIEWER', added: [], removed: ['forecasting:read'] },
    ]);
    // Switching back leaves nothing to save.
    draft = toggle(toggle(draft, 'VIEWER', 'forecasting:read', true), 'OPERATOR', 'dashboard:read', false);
    expect(changes(saved, draft)).toEqual([]);
  });
});
