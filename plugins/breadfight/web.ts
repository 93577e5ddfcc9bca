import type { PluginContext } from '../../core/types.ts';
import type { DashboardService } from '../dashboard/service.ts';
import type { EconomyService } from '../economy/service.ts';
import type { BreadfightConfig } from './config.ts';
import type { BreadfightService } from './service.ts';

export function mountDashboard(_ctx: PluginContext<BreadfightConfig>, _dashboard: DashboardService, _service: BreadfightService, _economy: EconomyService): void {}
