// GET /reports (RP1): a date range's figures per operator, group or channel for supervisors and admins, as JSON or,
// with `Accept: text/csv` or `format=csv`, as CSV.
import { buildReport, reportCsv } from '../../shared/use-cases/reports';
import { httpRoute, noBody } from '../adapters/http';

const wantsCsv = (query: Record<string, string | undefined>, accept: string | undefined) =>
  query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/i.test(accept ?? ''));

export const handler = httpRoute(noBody, async (request) => {
  const report = await buildReport(request.actor, request.query);
  if (!wantsCsv(request.query, request.headers.accept)) return { body: report };
  return {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="report-${report.by}-${report.from}-${report.to}.csv"`,
    },
    text: reportCsv(report),
  };
});
