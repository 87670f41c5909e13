import { describe, expect, it } from 'vitest';
import { tensorLeakReport } from './tensor-leaks.js';

describe('tensorLeakReport', () => {
  it('says nothing when the count is steady and dispose frees everything', () => {
    expect(tensorLeakReport(10, [25, 25, 25, 25], 10)).toBeUndefined();
  });

  it('names the step that leaked and how many tensors it left', () => {
    const report = tensorLeakReport(10, [25, 25, 27, 29], 10);
    expect(report).toContain('training step 3 of 4 left 2 more tensor(s) alive than step 2');
    expect(report).toContain('25, 25, 27, 29');
  });

  it('says how many tensors dispose left behind', () => {
    const report = tensorLeakReport(10, [25, 25, 25, 25], 15);
    expect(report).toContain('5 tensor(s) left after supernet.dispose() and disposing the batch (10 before createSupernet, 15 after dispose)');
    expect(report).not.toContain('training step');
  });
});
