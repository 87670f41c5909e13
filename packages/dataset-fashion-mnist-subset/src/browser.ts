// The embedded subset for browsers, from bytes the page fetches: no Node.js
// module is reachable from here (`npm run -s check:browser-imports` keeps it so).
export { FASHION_MNIST_SUBSET_FILES, FASHION_MNIST_SUBSET_NAME, fashionMnistSubsetFromBytes, fetchFashionMnistSubset } from './from-bytes.js';
