import {
  createTencentCarApi,
  type TencentCarApi,
  type TencentCarApiOptions,
} from '../../src/car/tencent-car-api.js';
import {
  type CarEmulator,
  type EmulatorOptions,
  startCarEmulator,
} from '../../src/emulator/index.js';

/** The key pair the test emulator accepts (fake, but shaped like Tencent's). */
export const testCredentials = {
  secretId: 'AKIDtestEmulatorSecretId000000000000',
  secretKey: 'testEmulatorSecretKey0000000000000',
} as const;

/** A running emulator and a real SDK client pointed at it. */
export interface CarTestStack {
  emulator: CarEmulator;
  car: TencentCarApi;
  /** Another client on the same emulator (e.g. other credentials or timeout). */
  client(options?: Partial<TencentCarApiOptions>): TencentCarApi;
  stop(): Promise<void>;
}

/**
 * Starts an emulator on a free port with {@link testCredentials} and a client
 * through tencentcloud-sdk-nodejs over HTTP. Clients are closed by `stop()`.
 */
export async function startCarTestStack(
  options: { emulator?: EmulatorOptions; client?: Partial<TencentCarApiOptions> } = {},
): Promise<CarTestStack> {
  const emulator = await startCarEmulator({
    credentials: { ...testCredentials },
    ...options.emulator,
  });
  const clients: TencentCarApi[] = [];
  const client = (overrides: Partial<TencentCarApiOptions> = {}) => {
    const api = createTencentCarApi({
      endpoint: emulator.url,
      credentials: { ...testCredentials },
      timeoutMs: 2000,
      ...options.client,
      ...overrides,
    });
    clients.push(api);
    return api;
  };
  const car = client();
  return {
    emulator,
    car,
    client,
    stop: async () => {
      for (const api of clients) api.close();
      await emulator.stop();
    },
  };
}

/**
 * The environment a car-reaper process (or `loadConfig`) needs to reach a
 * test table and a test emulator with {@link testCredentials}.
 */
export const stackEnv = (
  table: { tableName: string; endpoint: string },
  carEndpoint: string,
): Record<string, string> => ({
  SESSIONS_TABLE: table.tableName,
  DYNAMODB_ENDPOINT: table.endpoint,
  CAR_ENDPOINT: carEndpoint,
  TENCENTCLOUD_SECRET_ID: testCredentials.secretId,
  TENCENTCLOUD_SECRET_KEY: testCredentials.secretKey,
});
