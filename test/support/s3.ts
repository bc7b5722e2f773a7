// An S3 client for tests that read what the product stored in s3rver; the product itself uses signed fetches.
import { S3Client } from '@aws-sdk/client-s3';
import { s3rverCredentials } from '../../shared/platform/aws-clients';
import { readConfig } from '../../shared/platform/config';

export function testS3(): S3Client {
  const config = readConfig();
  return new S3Client({
    region: config.region,
    ...(config.s3Endpoint
      ? {
          endpoint: config.s3Endpoint,
          credentials: s3rverCredentials,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
  });
}
