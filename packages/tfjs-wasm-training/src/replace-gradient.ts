import { getGradient, registerGradient, unregisterGradient, type GradConfig } from '@tensorflow/tfjs-core';

/** tfjs-core's gradients, remembered per kernel so that replacing one twice never wraps a wrapper. */
const stockGradients = new Map<string, GradConfig>();

/**
 * Replaces the gradient registered for `kernelName` with `make(stock)`, where
 * `stock` is the gradient registered before this package first replaced it
 * (tfjs-core's).
 *
 * @returns a function that restores the gradient registered before the call.
 */
export function replaceGradient(kernelName: string, make: (stock: GradConfig) => GradConfig): () => void {
  const current = getGradient(kernelName);
  if (current == null) {
    throw new Error(`No gradient is registered for ${kernelName}: import '@tensorflow/tfjs-core/dist/register_all_gradients' (or '@tensorflow/tfjs') first.`);
  }
  const stock = stockGradients.get(kernelName) ?? current;
  stockGradients.set(kernelName, stock);
  unregisterGradient(kernelName);
  registerGradient(make(stock));
  return () => {
    unregisterGradient(kernelName);
    registerGradient(current);
  };
}
