import type { PluginContext } from '../../core/types.ts';
import type { DashboardService } from '../dashboard/service.ts';
import type { CommandsService } from './service.ts';

export function mountDashboard(_ctx: PluginContext<object>, _dashboard: DashboardService, _service: CommandsService): void {}
