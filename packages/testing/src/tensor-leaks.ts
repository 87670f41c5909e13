/**
 * What the leak check of `describeSearchSpace` says when tensors survive:
 * how many, and after what. `undefined` when nothing leaked.
 *
 * @param before live tensors before the supernet was created
 * @param afterSteps live tensors after each training step (loss and gradients disposed)
 * @param afterDispose live tensors after the batch and the supernet were disposed
 */
export function tensorLeakReport(before: number, afterSteps: readonly number[], afterDispose: number): string | undefined {
  const problems: string[] = [];
  for (let k = 1; k < afterSteps.length; k++) {
    const grown = afterSteps[k]! - afterSteps[k - 1]!;
    if (grown !== 0) {
      problems.push(
        `training step ${k + 1} of ${afterSteps.length} left ${grown} more tensor(s) alive than step ${k} (live tensors after each step: ${afterSteps.join(', ')}); ` +
          'dispose intermediate tensors in supernet.loss, e.g. inside tf.tidy',
      );
      break;
    }
  }
  const left = afterDispose - before;
  if (left !== 0) {
    problems.push(
      `${left} tensor(s) ${left > 0 ? 'left' : 'freed too many'} after supernet.dispose() and disposing the batch (${before} before createSupernet, ${afterDispose} after dispose); ` +
        'supernet.dispose() must free every weight and buffer the supernet created',
    );
  }
  return problems.length === 0 ? undefined : problems.join('\n');
}
