import type { PluginContext } from '../../core/types.ts';
import type { DashboardService } from '../dashboard/service.ts';
import type { OverlayRegistry } from './registry.ts';
import type { OverlaysService } from './service.ts';
export function mountDashboard(_ctx: PluginContext<object>, _d: DashboardService, _s: OverlaysService, _r: OverlayRegistry, _n: () => string | undefined): void {}
