/** Every shape the chart build writes (the shapes they call come with them). */
import type { Shape } from './expr';
import { cronJobObject, jobObject } from './workload';

export const SHAPES: readonly Shape[] = [jobObject, cronJobObject];
