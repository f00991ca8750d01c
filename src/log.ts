import pino from 'pino';

/**
 * One logger for the process. Secrets never reach it: credentials and webhook secrets are redacted by
 * path as a second line of defence, the first being that they are never passed to a log call.
 */
export const log = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'mdhub' },
  redact: {
    paths: [
      '*.password',
      '*.secret',
      '*.credentials',
      '*.apiKey',
      '*.token',
      'databaseUrl',
      '*.databaseUrl',
      'secretKey',
      '*.secretKey',
    ],
    censor: '[redacted]',
  },
});

export type Logger = typeof log;
