import { provincesMayRead, requireMayRead } from '../access.ts';
import { dayOrToday, provinceOrNation, requireForecastDays, requireRange } from '../validation.ts';
import type { AnalyticsContext } from './context.ts';

interface Area {
  province?: string | null;
}

export const Query = {
  situationReport: (_: unknown, args: Area & { date?: string | null }, ctx: AnalyticsContext) => {
    const province = provinceOrNation(args.province);
    const date = dayOrToday(args.date, 'date');
    requireMayRead(ctx.identity, province);
    return ctx.briefing.situationReport(province, date);
  },
  epidemicCurve: (_: unknown, args: Area & { from: string; to: string; by?: 'CONFIRMATION' | 'ONSET' | null }, ctx: AnalyticsContext) => {
    const province = provinceOrNation(args.province);
    const { from, to } = requireRange(args.from, args.to);
    requireMayRead(ctx.identity, province);
    return ctx.briefing.epidemicCurve(province, from, to, args.by ?? 'CONFIRMATION');
  },
  reproductionNumber: (_: unknown, args: Area & { from: string; to: string }, ctx: AnalyticsContext) => {
    const province = provinceOrNation(args.province);
    const { from, to } = requireRange(args.from, args.to);
    requireMayRead(ctx.identity, province);
    return ctx.briefing.reproductionNumber(province, from, to);
  },
  forecast: (_: unknown, args: Area & { days: number; seed?: number | null; asOf?: string | null }, ctx: AnalyticsContext) => {
    const province = provinceOrNation(args.province);
    const days = requireForecastDays(args.days);
    const asOf = dayOrToday(args.asOf, 'asOf');
    requireMayRead(ctx.identity, province);
    return ctx.briefing.forecast(province, days, args.seed ?? 1, asOf);
  },
  provinceGrowth: (_: unknown, args: { date?: string | null }, ctx: AnalyticsContext) => {
    const date = dayOrToday(args.date, 'date');
    return ctx.briefing.provinceGrowth(date, provincesMayRead(ctx.identity));
  },
};
