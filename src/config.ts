import path from 'node:path';
import { z } from 'zod';
import type { MasterEntity } from './master/specs';
import { parseSurvivorshipConfig, type SurvivorshipConfig, SurvivorshipConfigError } from './mdm/survivorship';
import type { MatchThresholds } from './mdm/match';
import { MatchThresholdsError, parseMatchThresholds } from './mdm/thresholds';

/**
 * The only reader of process.env. Everything is validated once at start-up so a typo in a variable
 * stops the hub with a message naming the variable instead of failing later.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const codeRule = z.object({
  prefix: z.string().max(20),
  width: z.number().int().min(1).max(18),
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.string().url().optional(),
  MDHUB_DATA_DIR: z.string().default('./data'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  MDHUB_DEMO: bool.default(true),
  MDHUB_DEFAULT_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as DE')
    .default('DE'),
  MDHUB_CODE_RULES: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return {};
      try {
        return z.record(z.string(), codeRule).parse(JSON.parse(s));
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not a JSON object of {prefix,width} rules: ${(e as Error).message}` });
        return z.NEVER;
      }
    }),
  MDHUB_SECRET_KEY: z.string().optional(),
  MDHUB_SQL_COUNT_HEADER: bool.default(true),
  MDHUB_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000),
  REDIS_URL: z.string().url().optional(),
  MDHUB_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and -, at most 40')
    .default('mdhub'),
  MDHUB_WORKERS: bool.default(true),
  MDHUB_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  MDHUB_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  MDHUB_JOB_BACKOFF_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  MDHUB_JOB_LOCK_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  MDHUB_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  MDHUB_SYNC_PAGE_SIZE: z.coerce.number().int().min(1).max(10000).default(1000),
  MDHUB_SURVIVORSHIP: z
    .string()
    .optional()
    .transform((s, ctx) => {
      try {
        return parseSurvivorshipConfig(s ?? {});
      } catch (e) {
        if (!(e instanceof SurvivorshipConfigError)) throw e;
        for (const i of e.issues) ctx.addIssue({ code: 'custom', message: `${i.field}: ${i.reason}` });
        return z.NEVER;
      }
    }),
  MDHUB_MATCH_THRESHOLDS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      try {
        return parseMatchThresholds(s ?? {});
      } catch (e) {
        if (!(e instanceof MatchThresholdsError)) throw e;
        for (const i of e.issues) ctx.addIssue({ code: 'custom', message: `${i.field}: ${i.reason}` });
        return z.NEVER;
      }
    }),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
  dbPoolMax: number;
  demo: boolean;
  defaultRegion: string;
  codeRules: Record<string, { prefix: string; width: number }>;
  /** Key that seals connection credentials and webhook secrets (32 bytes, base64 or hex). */
  secretKey: string | undefined;
  sqlCountHeader: boolean;
  shutdownTimeoutMs: number;
  /** Jobs run on BullMQ over this Redis; unset, on BullMQ's PostgreSQL backend in the hub's own database. */
  redisUrl: string | undefined;
  /** Redis key prefix of the hub's queues, so several hubs can share one Redis. */
  queuePrefix: string;
  /** Whether `serve` also runs sync workers and the scheduler (false for a split deployment with `mdhub worker`). */
  workers: boolean;
  /** Sync jobs one process runs at once. */
  workerConcurrency: number;
  /** Tries per sync job, the first included, for failures that may pass (source unreachable, database errors). */
  jobAttempts: number;
  /** Wait before a job's first retry; each further retry waits twice as long. */
  jobBackoffMs: number;
  /** How long a dead worker's claim on a job lasts before another worker takes the job over. */
  jobLockMs: number;
  /** How often the scheduler looks for connections whose schedule is due. */
  schedulerIntervalMs: number;
  /** Records a sync asks a source for per page; each page is one transaction. Connectors may serve fewer. */
  syncPageSize: number;
  /** How each golden field is chosen among its sources, per entity (MDHUB_SURVIVORSHIP; mostRecent by default). */
  survivorship: Record<MasterEntity, SurvivorshipConfig>;
  /** Fuzzy match thresholds per entity (MDHUB_MATCH_THRESHOLDS; DEFAULT_MATCH_THRESHOLDS where left out). */
  matchThresholds: Record<MasterEntity, Required<MatchThresholds>>;
};

export class ConfigError extends Error {}

/** Reads and validates the environment. Throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.MDHUB_DATA_DIR),
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    dbPoolMax: e.DB_POOL_MAX,
    demo: e.MDHUB_DEMO,
    defaultRegion: e.MDHUB_DEFAULT_REGION,
    codeRules: e.MDHUB_CODE_RULES,
    secretKey: e.MDHUB_SECRET_KEY,
    sqlCountHeader: e.MDHUB_SQL_COUNT_HEADER,
    shutdownTimeoutMs: e.MDHUB_SHUTDOWN_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.MDHUB_QUEUE_PREFIX,
    workers: e.MDHUB_WORKERS,
    workerConcurrency: e.MDHUB_WORKER_CONCURRENCY,
    jobAttempts: e.MDHUB_JOB_ATTEMPTS,
    jobBackoffMs: e.MDHUB_JOB_BACKOFF_MS,
    jobLockMs: e.MDHUB_JOB_LOCK_MS,
    schedulerIntervalMs: e.MDHUB_SCHEDULER_INTERVAL_MS,
    syncPageSize: e.MDHUB_SYNC_PAGE_SIZE,
    survivorship: e.MDHUB_SURVIVORSHIP,
    matchThresholds: e.MDHUB_MATCH_THRESHOLDS,
  };
}
