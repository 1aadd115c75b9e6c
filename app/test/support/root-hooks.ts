import { killChildServices } from './child-service.js';

/**
 * Mocha root hooks, loaded for every spec file (.mocharc.json "require"). A test that fails half-way must still
 * stop the service processes it started; otherwise they keep mocha's pipes open and the run never ends.
 */
export const mochaHooks = {
  async afterEach(this: Mocha.Context): Promise<void> {
    const killed = await killChildServices();
    if (killed > 0 && this.currentTest?.state === 'passed') {
      throw new Error(`the test left ${killed} child service(s) running; they were killed`);
    }
  },
};
