import { startTestGateway, TestGateway } from './gateway';

/**
 * Set-up shared by the tests that call a gateway on the SmartTech pack (policies/smarttech.yaml)
 * through HTTP: the SmartTech scenarios (packs/smarttech-consent, -purposes and -rights) and the
 * customer-state operations (customer-state-operations, -errors and -explain). The gateway of the
 * test file, the roles its DPO and auditor callers claim, and what the role rules answer a caller
 * whose roles do not allow an operation.
 */

/** The gateway of the test file that called useSmartTechGateway(), started in its beforeAll. */
export const env: { gw: TestGateway } = { gw: undefined as unknown as TestGateway };
export const DPO = ['dpo'];
export const AUDITOR = ['auditor'];
export const FORBIDDEN_ROLE = "The caller's roles do not allow this operation";

/** Registers the file's gateway on the SmartTech pack: started before its tests, closed after. */
export function useSmartTechGateway(): void {
  beforeAll(async () => {
    env.gw = await startTestGateway({ policy: 'smarttech.yaml' });
  });
  afterAll(() => env.gw.close());
}
