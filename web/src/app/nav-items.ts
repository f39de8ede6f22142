export interface NavItem {
  to: string;
  label: string;
  permission: string;
}

/** Sections of the app; each is shown only to users holding its permission. */
export const NAV_ITEMS: NavItem[] = [
  { to: '/', label: 'Overview', permission: 'dashboard:read' },
  { to: '/products', label: 'Products', permission: 'inventory:read' },
  { to: '/forecasting', label: 'Forecasting', permission: 'forecasting:read' },
  { to: '/data', label: 'Data', permission: 'data:read' },
  { to: '/data/import', label: 'Import data', permission: 'data:read' },
  { to: '/admin', label: 'Administration', permission: 'admin:read' },
];
