import { describe, expect, it } from 'vitest';
import { taskFor } from './task.js';

describe('taskFor', () => {
  const info = { shape: [28, 28, 1] as const, classes: 10 };
  it('keeps the classes for a classifying space (the default kind)', () => {
    expect(taskFor({}, info)).toEqual({ inputShape: [28, 28, 1], classes: 10 });
    expect(taskFor({ kind: 'classification' }, info)).toEqual({ inputShape: [28, 28, 1], classes: 10 });
  });
  it('gives 0 classes for an image-to-image space', () => {
    expect(taskFor({ kind: 'image-to-image' }, info)).toEqual({ inputShape: [28, 28, 1], classes: 0 });
  });
});
