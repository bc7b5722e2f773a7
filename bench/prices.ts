// AWS us-east-1 list prices the cost model uses, in one place with the date they were written down.

/**
 * Sources (public price pages; re-check them before quoting any figure: prices change and tiers apply):
 *   https://aws.amazon.com/dynamodb/pricing/on-demand/   (on-demand, after the November 2024 reduction: $0.625 per
 *                                                        million WRU, $0.125 per million RRU in us-east-1)
 *   https://aws.amazon.com/api-gateway/pricing/          (HTTP APIs $1.00 per million for the first 300 M; WebSocket
 *                                                        APIs $1.00 per million messages, $0.25 per million minutes)
 *   https://aws.amazon.com/lambda/pricing/               (Arm, which the functions use: $0.0000133334 per GB-s for the
 *                                                        first 7.5 B GB-s a month; $0.20 per million requests)
 *   https://aws.amazon.com/s3/pricing/                   (S3 Standard)
 *   https://aws.amazon.com/cloudwatch/pricing/           (standard-resolution alarms $0.10 per alarm metric a month,
 *                                                        custom metrics $0.30, dashboards $3.00)
 *   https://aws.amazon.com/eventbridge/pricing/          (events of scheduled rules on the default bus are AWS service
 *                                                        events: no charge; custom events $1.00 per million)
 * Checked again on `takenOn` against the pages above and price summaries quoting them (unchanged since the previous
 * date). The bench does not fetch them. Free tiers are ignored and the first (most expensive) volume tier is used.
 */
export const prices = {
  takenOn: '2026-11-29',
  region: 'us-east-1',
  dynamoDb: {
    /** On-demand, per write request unit (1 KB; ×2 in transactions). */
    perWriteRequestUnit: 0.625 / 1e6,
    /** On-demand, per read request unit (4 KB strongly consistent; ½ eventually consistent). */
    perReadRequestUnit: 0.125 / 1e6,
    storagePerGbMonth: 0.25,
    /** Continuous backups (point-in-time recovery), which the stack enables. */
    pitrPerGbMonth: 0.2,
  },
  apiGateway: {
    /** HTTP API, first 300 M requests a month, metered in 512 KB increments. */
    httpPerRequest: 1.0 / 1e6,
    /** WebSocket API, first 1 B messages a month (sent and received), metered in 32 KB increments. */
    webSocketPerMessage: 1.0 / 1e6,
    webSocketPerConnectionMinute: 0.25 / 1e6,
  },
  lambda: {
    /** Arm (Graviton), first tier. */
    perGbSecond: 0.0000133334,
    perRequest: 0.2 / 1e6,
  },
  s3: {
    standardPerGbMonth: 0.023,
    perPutRequest: 0.005 / 1000,
    perGetRequest: 0.0004 / 1000,
  },
  eventBridge: {
    /** A scheduled rule's event on the default bus (the timers sweep): an AWS service event, not charged. */
    perScheduledRuleEvent: 0,
  },
  cloudWatch: {
    /** Standard-resolution alarm, per metric it reads, per month (a math alarm pays for each metric). */
    perAlarmMetricMonth: 0.1,
    /** Custom metric (name + dimensions) per month, prorated by the hour it receives data. */
    perCustomMetricMonth: 0.3,
    /** Beyond the three free dashboards of an account. */
    perDashboardMonth: 3,
  },
} as const;

export type Prices = typeof prices;
